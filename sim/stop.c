/*
 * Stop conditions on the statistics: "prey.fitness_max >= 400 or
 * generation >= 300". A tiny expression language compiled once when the
 * config loads (so a typo is a config error, with a column) and evaluated
 * after every generation against a vector of named values.
 *
 *   expr    := and ('or' and)*
 *   and     := unary ('and' unary)*
 *   unary   := 'not' unary | compare
 *   compare := sum (('<' | '<=' | '>' | '>=' | '==' | '!=') sum)?
 *   sum     := atom (('+' | '-') atom)*
 *   atom    := NUMBER | NAME | '(' expr ')' | '-' atom
 *
 * Names are "generation", "wall_s", and "POP.FIELD" for every population
 * and every field of StopField. A comparison is 1 or 0; 'and'/'or' treat
 * non-zero as true.
 */
#include "sim/sim.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static const char *const stop_field_names[STOP_FIELD_COUNT] = {
    "count", "fitness_max", "fitness_mean", "fitness_median", "species",
    "hidden_nodes_mean", "connections_mean", "births", "deaths", "food",
    "reseeds", "hidden_nodes_max", "connections_max", "behaviour_spread", "novelty",
};

const char *stop_field_name(int field)
{
    return field >= 0 && field < STOP_FIELD_COUNT ? stop_field_names[field] : "?";
}

typedef enum StopOp {
    OP_NUM, OP_VAR, OP_NEG, OP_NOT, OP_ADD, OP_SUB,
    OP_LT, OP_LE, OP_GT, OP_GE, OP_EQ, OP_NE, OP_AND, OP_OR,
} StopOp;

typedef struct StopParser {
    const char *text;
    size_t pos;
    const char *const *pops;
    int pop_count;
    StopExpr *out;
    PetriError *err;
    const char *where; /* prefix for messages */
    bool failed;
} StopParser;

static void skip_space(StopParser *p)
{
    while (isspace((unsigned char)p->text[p->pos])) {
        p->pos++;
    }
}

static int fail(StopParser *p, const char *fmt, const char *arg)
{
    if (!p->failed) {
        char msg[256];
        snprintf(msg, sizeof msg, fmt, arg);
        error_add(p->err, PETRI_ECONFIG, "%s: error: 'stop.when' at column %zu: %s", p->where,
                  p->pos + 1, msg);
        p->failed = true;
    }
    return -1;
}

static int emit(StopParser *p, StopOp op, double num, int a, int b)
{
    if (p->failed) {
        return -1;
    }
    if (p->out->node_count >= STOP_MAX_NODES) {
        return fail(p, "expression is too long (%s nodes at most)", "64");
    }
    int i = p->out->node_count++;
    p->out->nodes[i] = (StopNode){.op = (int)op, .num = num, .a = a, .b = b};
    return i;
}

static bool match_word(StopParser *p, const char *w)
{
    skip_space(p);
    size_t n = strlen(w);
    if (strncmp(p->text + p->pos, w, n) == 0 &&
        !(isalnum((unsigned char)p->text[p->pos + n]) || p->text[p->pos + n] == '_')) {
        p->pos += n;
        return true;
    }
    return false;
}

static bool match_sym(StopParser *p, const char *s)
{
    skip_space(p);
    size_t n = strlen(s);
    if (strncmp(p->text + p->pos, s, n) == 0) {
        p->pos += n;
        return true;
    }
    return false;
}

static int parse_expr(StopParser *p, int depth);

static int resolve_name(StopParser *p, const char *name, size_t start)
{
    if (strcmp(name, "generation") == 0 || strcmp(name, "epoch") == 0) {
        return STOP_VAR_GENERATION;
    }
    if (strcmp(name, "wall_s") == 0) {
        return STOP_VAR_WALL_S;
    }
    const char *dot = strchr(name, '.');
    if (dot != NULL) {
        size_t plen = (size_t)(dot - name);
        for (int i = 0; i < p->pop_count; ++i) {
            if (strlen(p->pops[i]) == plen && strncmp(p->pops[i], name, plen) == 0) {
                for (int f = 0; f < STOP_FIELD_COUNT; ++f) {
                    if (strcmp(dot + 1, stop_field_names[f]) == 0) {
                        return stop_var_index(i, f);
                    }
                }
                p->pos = start + plen + 1;
                return fail(p,
                            "unknown field '%s' (expected count, fitness_max, fitness_mean, "
                            "fitness_median, species, hidden_nodes_mean, connections_mean, "
                            "births, deaths, food, reseeds, hidden_nodes_max, "
                            "connections_max, behaviour_spread or novelty)",
                            dot + 1);
            }
        }
    }
    p->pos = start;
    return fail(p, "unknown name '%s' (expected generation, wall_s or POPULATION.FIELD)", name);
}

static int parse_atom(StopParser *p, int depth)
{
    if (depth > 32) {
        return fail(p, "%s", "expression nested too deeply");
    }
    skip_space(p);
    const char *s = p->text + p->pos;
    if (*s == '(') {
        p->pos++;
        int e = parse_expr(p, depth + 1);
        if (!match_sym(p, ")")) {
            return fail(p, "%s", "expected ')'");
        }
        return e;
    }
    if (*s == '-') {
        p->pos++;
        int a = parse_atom(p, depth + 1);
        return emit(p, OP_NEG, 0, a, -1);
    }
    if (isdigit((unsigned char)*s) || *s == '.') {
        char *end;
        double v = strtod(s, &end);
        if (end == s) {
            return fail(p, "%s", "expected a number");
        }
        p->pos += (size_t)(end - s);
        return emit(p, OP_NUM, v, -1, -1);
    }
    if (isalpha((unsigned char)*s) || *s == '_') {
        size_t start = p->pos, n = 0;
        while (isalnum((unsigned char)s[n]) || s[n] == '_' || s[n] == '.' || s[n] == '-') {
            n++;
        }
        char name[96];
        if (n >= sizeof name) {
            return fail(p, "%s", "name too long");
        }
        memcpy(name, s, n);
        name[n] = '\0';
        p->pos += n;
        int var = resolve_name(p, name, start);
        if (var < 0) {
            return -1;
        }
        return emit(p, OP_VAR, (double)var, -1, -1);
    }
    if (*s == '\0') {
        return fail(p, "%s", "unexpected end of expression");
    }
    return fail(p, "unexpected '%.1s'", s);
}

static int parse_sum(StopParser *p, int depth)
{
    int a = parse_atom(p, depth);
    for (;;) {
        if (match_sym(p, "+")) {
            a = emit(p, OP_ADD, 0, a, parse_atom(p, depth));
        } else if (match_sym(p, "-")) {
            a = emit(p, OP_SUB, 0, a, parse_atom(p, depth));
        } else {
            return a;
        }
    }
}

static int parse_compare(StopParser *p, int depth)
{
    int a = parse_sum(p, depth);
    static const struct {
        const char *sym;
        StopOp op;
    } ops[] = {{"<=", OP_LE}, {">=", OP_GE}, {"==", OP_EQ}, {"!=", OP_NE},
               {"<", OP_LT},  {">", OP_GT}};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; ++i) {
        if (match_sym(p, ops[i].sym)) {
            int b = parse_sum(p, depth);
            return emit(p, ops[i].op, 0, a, b);
        }
    }
    return a;
}

static int parse_unary(StopParser *p, int depth)
{
    if (match_word(p, "not")) {
        int a = parse_unary(p, depth + 1);
        return emit(p, OP_NOT, 0, a, -1);
    }
    return parse_compare(p, depth);
}

static int parse_and(StopParser *p, int depth)
{
    int a = parse_unary(p, depth);
    while (match_word(p, "and")) {
        a = emit(p, OP_AND, 0, a, parse_unary(p, depth));
    }
    return a;
}

static int parse_expr(StopParser *p, int depth)
{
    int a = parse_and(p, depth);
    while (match_word(p, "or")) {
        a = emit(p, OP_OR, 0, a, parse_and(p, depth));
    }
    return a;
}

PetriStatus stop_compile(StopExpr *out, const char *text, const char *const *pop_names,
                         int pop_count, const char *where, PetriError *err)
{
    memset(out, 0, sizeof *out);
    out->root = -1;
    const char *t = text;
    while (isspace((unsigned char)*t)) {
        t++;
    }
    if (*t == '\0') {
        return PETRI_OK; /* empty: never stops */
    }
    StopParser p = {.text = text, .pops = pop_names, .pop_count = pop_count, .out = out,
                    .err = err, .where = where};
    int root = parse_expr(&p, 0);
    skip_space(&p);
    if (!p.failed && text[p.pos] != '\0') {
        fail(&p, "unexpected '%.1s' (expected 'and', 'or' or a comparison)", text + p.pos);
    }
    if (p.failed) {
        out->node_count = 0;
        return PETRI_ECONFIG;
    }
    out->root = root;
    return PETRI_OK;
}

static double eval_node(const StopExpr *e, int i, const double *vars, int var_count)
{
    const StopNode *n = &e->nodes[i];
    switch ((StopOp)n->op) {
    case OP_NUM: return n->num;
    case OP_VAR: {
        int v = (int)n->num;
        return v < var_count ? vars[v] : 0.0;
    }
    case OP_NEG: return -eval_node(e, n->a, vars, var_count);
    case OP_NOT: return eval_node(e, n->a, vars, var_count) == 0.0;
    default: break;
    }
    double a = eval_node(e, n->a, vars, var_count);
    double b = eval_node(e, n->b, vars, var_count);
    switch ((StopOp)n->op) {
    case OP_ADD: return a + b;
    case OP_SUB: return a - b;
    case OP_LT: return a < b;
    case OP_LE: return a <= b;
    case OP_GT: return a > b;
    case OP_GE: return a >= b;
    case OP_EQ: return a == b;
    case OP_NE: return a != b;
    case OP_AND: return a != 0.0 && b != 0.0;
    case OP_OR: return a != 0.0 || b != 0.0;
    default: return 0.0;
    }
}

bool stop_eval(const StopExpr *e, const double *vars, int var_count)
{
    if (e->root < 0) {
        return false;
    }
    return eval_node(e, e->root, vars, var_count) != 0.0;
}
