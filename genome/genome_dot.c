/* Graphviz DOT for genomes, drawn to stay readable for a world brain of a
 * hundred inputs and hundreds of connections: inputs and the bias node
 * in one rank on the left, outputs in one on the right, hidden nodes
 * between. Only connections that matter are drawn (enabled, |weight| at
 * least min_weight) unless `all` asks for every one; width grows with
 * |weight|, blue for positive, red for negative; what was left out is
 * counted and named in a note at the bottom. */
#include "genome/genome_internal.h"

#include <math.h>

/* Weights are edge labels only up to this many drawn edges: beyond, they
 * crowd the picture and widen every rank; width and tooltip remain. */
#define DOT_LABELLED_EDGES 50
/* Names of left-out inputs per line of the note. */
#define DOT_NOTE_PER_LINE 6

GenomeDotOptions genome_dot_default_options(void)
{
    return (GenomeDotOptions){.names = NULL, .all = false, .min_weight = GENOME_DOT_MIN_WEIGHT};
}

static bool conn_drawn(const ConnGene *c, const GenomeDotOptions *opt)
{
    if (!c->enabled) {
        return opt->all;
    }
    return fabs((double)c->weight) >= opt->min_weight;
}

/* Label of fixed node i: its name, else "in i" / "out k". */
static void node_label(const Genome *g, const GenomeNames *names, int i, char *out, size_t cap)
{
    const char *name = NULL;
    if (i < g->inputs) {
        name = genome_names_input(names, i);
        if (name == NULL) {
            snprintf(out, cap, "in %d", i);
        }
    } else if (i == g->inputs) {
        name = "bias";
    } else {
        name = genome_names_output(names, i - g->inputs - 1);
        if (name == NULL) {
            snprintf(out, cap, "out %d", i - g->inputs - 1);
        }
    }
    if (name != NULL) {
        snprintf(out, cap, "%s", name);
    }
}

/* Marks in drawn[] the nodes to draw: outputs always; inputs, the bias
 * and hidden nodes when `all` or when a drawn connection touches them.
 * Returns the number of drawn connections. */
static int mark_drawn(const Genome *g, const GenomeDotOptions *opt, uint8_t *drawn)
{
    int edges = 0;
    for (int i = 0; i < g->node_count; ++i) {
        drawn[i] = opt->all || g->nodes[i].kind == NODE_OUTPUT;
    }
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        int from = genome_find_node(g, c->from), to = genome_find_node(g, c->to);
        if (conn_drawn(c, opt) && from >= 0 && to >= 0) {
            ++edges;
            drawn[from] = 1;
            drawn[to] = 1;
        }
    }
    return edges;
}

/* Invisible edges through the drawn nodes [from, to) of one rank keep
 * them in id order, top to bottom, so a reader finds an input where the
 * docs list it. */
static void write_order(const Genome *g, const uint8_t *drawn, int from, int to, ByteBuf *out)
{
    int n = 0;
    for (int i = from; i < to; ++i) {
        if (drawn[i]) {
            buf_printf(out, "%sn%u", n++ ? " -> " : "    ", g->nodes[i].id);
        }
    }
    if (n > 1) {
        buf_printf(out, " [style=invis];\n");
    } else if (n == 1) {
        buf_printf(out, ";\n");
    }
}

static void write_nodes(const Genome *g, const GenomeDotOptions *opt, const uint8_t *drawn,
                        ByteBuf *out)
{
    char label[GENOME_NAME_CAP + 16];
    buf_printf(out, "  { rank=source;\n");
    for (int i = 0; i <= g->inputs; ++i) {
        if (drawn[i]) {
            node_label(g, opt->names, i, label, sizeof label);
            buf_printf(out, "    n%d [label=\"%s\", shape=box%s];\n", i, label,
                       i == g->inputs ? ", style=filled, fillcolor=gray90" : "");
        }
    }
    write_order(g, drawn, 0, g->inputs + 1, out);
    /* outputs as tall as it takes to spread them along the column of
     * inputs, so that the edges into each stay apart */
    int shown = 0;
    for (int i = 0; i <= g->inputs; ++i) {
        shown += drawn[i];
    }
    double height = 0.28 * shown / (1.5 * g->outputs);
    height = height < 0.35 ? 0.35 : (height > 1.5 ? 1.5 : height);
    buf_printf(out, "  }\n  { rank=sink;\n");
    for (int k = 0; k < g->outputs; ++k) {
        int i = g->inputs + 1 + k;
        node_label(g, opt->names, i, label, sizeof label);
        buf_printf(out,
                   "    n%u [label=\"%s\\n%s\", shape=box, style=\"rounded,filled\", "
                   "fillcolor=\"#e6f0e6\", height=%.2f];\n",
                   g->nodes[i].id, label, activation_name((Activation)g->nodes[i].activation),
                   height);
    }
    write_order(g, drawn, g->inputs + 1, g->inputs + 1 + g->outputs, out);
    buf_printf(out, "  }\n");
    for (int i = g->inputs + 1 + g->outputs; i < g->node_count; ++i) {
        const NodeGene *n = &g->nodes[i];
        if (drawn[i]) {
            buf_printf(out, "  n%u [label=\"%u\\n%s\", shape=ellipse];\n", n->id, n->id,
                       activation_name((Activation)n->activation));
        }
    }
}

static void write_edges(const Genome *g, const GenomeDotOptions *opt, int edges, ByteBuf *out)
{
    double wmax = 0.0;
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        if (c->enabled && conn_drawn(c, opt) && fabs((double)c->weight) > wmax) {
            wmax = fabs((double)c->weight);
        }
    }
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        if (!conn_drawn(c, opt)) {
            continue;
        }
        double w = (double)c->weight;
        double width = c->enabled && wmax > 0.0 ? 0.5 + 3.5 * fabs(w) / wmax : 0.5;
        buf_printf(out, "  n%u -> n%u [", c->from, c->to);
        if (edges <= DOT_LABELLED_EDGES) {
            buf_printf(out, "label=\"%.3g\", ", w);
        }
        buf_printf(out, "penwidth=%.2f, color=\"%s\"%s, tooltip=\"%.9g\"];\n", width,
                   !c->enabled ? "gray60" : (w < 0.0 ? "#b2182b" : "#2166ac"),
                   c->enabled ? "" : ", style=dashed", w);
    }
}

/* The note at the bottom: what was left out, and how to see it. */
static void write_note(const Genome *g, const GenomeDotOptions *opt, const uint8_t *drawn,
                       ByteBuf *out)
{
    int disabled = 0, faint = 0, idle = 0;
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        if (!conn_drawn(c, opt)) {
            disabled += !c->enabled;
            faint += c->enabled;
        }
    }
    for (int i = 0; i < g->inputs; ++i) {
        idle += !drawn[i];
    }
    if (disabled + faint + idle == 0) {
        return;
    }
    buf_printf(out, "  labelloc=b;\n  labeljust=l;\n  fontsize=10;\n");
    buf_printf(out, "  label=\"not drawn (--all draws them): %d disabled connections, %d with "
                    "|weight| < %g",
               disabled, faint, opt->min_weight);
    if (idle > 0) {
        buf_printf(out, "; %d inputs left with no drawn connection:\\l", idle);
        char label[GENOME_NAME_CAP + 16];
        int n = 0;
        for (int i = 0; i < g->inputs; ++i) {
            if (!drawn[i]) {
                node_label(g, opt->names, i, label, sizeof label);
                ++n;
                buf_printf(out, "%s%s", label,
                           n == idle ? "" : (n % DOT_NOTE_PER_LINE == 0 ? ",\\l" : ", "));
            }
        }
    }
    buf_printf(out, "\\l\";\n");
}

void genome_write_dot_with(const Genome *g, const GenomeDotOptions *opt, ByteBuf *out)
{
    GenomeDotOptions o = *opt;
    if (o.names != NULL && genome_names_check(o.names, g, "names", NULL) != PETRI_OK) {
        o.names = NULL; /* names that do not fit are left out */
    }
    if (!(o.min_weight >= 0.0)) {
        o.min_weight = 0.0;
    }
    uint8_t *drawn = petri_calloc((size_t)g->node_count + 1, 1);
    int edges = mark_drawn(g, &o, drawn);
    buf_printf(out, "digraph genome {\n  rankdir=LR;\n  ranksep=1.2;\n  nodesep=0.02;\n"
                    "  node [fontsize=10, height=0.22, margin=\"0.06,0.02\"];\n"
                    "  edge [arrowsize=0.5, fontsize=8];\n");
    write_nodes(g, &o, drawn, out);
    write_edges(g, &o, edges, out);
    write_note(g, &o, drawn, out);
    buf_printf(out, "}\n");
    petri_free(drawn, (size_t)g->node_count + 1);
}

void genome_write_dot(const Genome *g, ByteBuf *out)
{
    GenomeDotOptions opt = genome_dot_default_options();
    genome_write_dot_with(g, &opt, out);
}

PetriStatus genome_save_dot_with(const Genome *g, const GenomeDotOptions *opt, const char *path,
                                 PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    genome_write_dot_with(g, opt, &b);
    PetriStatus st = file_write_atomic(path, b.data, b.len, err);
    buf_fini(&b);
    return st;
}

PetriStatus genome_save_dot(const Genome *g, const char *path, PetriError *err)
{
    GenomeDotOptions opt = genome_dot_default_options();
    return genome_save_dot_with(g, &opt, path, err);
}
