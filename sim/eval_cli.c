/*
 * `petri eval RUNDIR | GENOME... [--seeds N] [--against forager,random,...]
 *             [--json] [--threads N] [--config FILE] [--pop NAME] [--population]`
 * `petri eval RUNDIR --ciao [--ciao-gens N] [--seeds N] [--out DIR] [--threads N]`
 *
 * RUNDIR: every evolved population's champion (champions/POP-best.bin) in
 * the run's own world (RUNDIR/config.yaml). GENOME...: each genome file
 * as a champion of population --pop (default: the first evolved one) of
 * --config (default configs/default.yaml), which must evolve only that
 * population (with several, the others need champions: use a RUNDIR).
 * Each champion and each rule named by --against fills the population's
 * slot on the same N held-out seeds (sim/eval.c). --population (RUNDIR
 * only) adds a row per evolved population for its final population, read
 * from the run's newest checkpoint: every genome is one agent of the slot.
 * --ciao plays the generation champions against each other (sim/ciao.c).
 */
#include "sim/eval_internal.h"
#include "sim/evolve_internal.h"
#include "sim/run_internal.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#ifdef _OPENMP
#include <omp.h>
#endif

enum { EVAL_MAX_CONTROLLERS = 16, EVAL_METRICS = 4 };

static const char *const metric_names[EVAL_METRICS] = {"fitness", "food_per_tick", "survival",
                                                       "kills"};

typedef struct EvalRow {
    int pop;
    char controller[32];   /* "champion" or a rule's name */
    char genome[1600];     /* the champion's file or the checkpoint; "" for a rule */
    double *v[EVAL_METRICS]; /* [seeds] */
} EvalRow;

static const char EVAL_USAGE[] =
    "usage: petri eval RUNDIR | GENOME... [--seeds N] [--against forager,random,...] "
    "[--json] [--threads N] [--config FILE] [--pop NAME] [--population]\n"
    "       petri eval RUNDIR --ciao [--ciao-gens N] [--seeds N] [--out DIR] "
    "[--threads N]\n";

static void usage(FILE *out)
{
    fputs(EVAL_USAGE, out);
}

static int parse_rules(const char *text, int *rules, int cap)
{
    int n = 0;
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    for (char *tok = strtok(buf, ","); tok != NULL; tok = strtok(NULL, ",")) {
        int found = -1;
        for (int c = CONTROLLER_RANDOM; c < CONTROLLER_COUNT; ++c) {
            if (strcmp(tok, controller_name(c)) == 0) {
                found = c;
            }
        }
        if (found < 0) {
            fprintf(stderr, "petri eval: error: --against: unknown rule '%s' (random, forager, "
                            "chaser, fleer)\n", tok);
            return -1;
        }
        if (n == cap) {
            fprintf(stderr, "petri eval: error: --against: at most %d rules\n", cap);
            return -1;
        }
        rules[n++] = found;
    }
    return n;
}

static void print_interval_json(ByteBuf *b, const char *key, EvalInterval iv)
{
    buf_printf(b, "\"%s\": {\"mean\": %.9g, \"ci95\": [%.9g, %.9g], \"sd\": %.9g}", key, iv.mean,
               iv.lo, iv.hi, iv.sd);
}

static void row_free(EvalRow *r, int seeds)
{
    for (int m = 0; m < EVAL_METRICS; ++m) {
        petri_free(r->v[m], (size_t)seeds * sizeof(double));
    }
}

/* The final population of a run: the Evolution of its newest checkpoint
 * (*ev; the caller destroys it) and its path. */
static PetriStatus load_final(const char *run_dir, Evolution **ev, char *path, size_t cap,
                              PetriError *err)
{
    *ev = NULL;
    char *payload = NULL;
    size_t len = 0;
    if (checkpoint_read_latest(run_dir, path, cap, &payload, &len, err) != PETRI_OK) {
        return err->code;
    }
    RunPayload pl;
    RunDef def;
    PetriStatus s = run_load_payload(path, payload, len, &pl, &def, ev, err);
    petri_free(payload, len + 1);
    return s;
}

/* The genomes of population p in ev: generational, the population bred
 * last (not yet evaluated); open-ended, the living agents' in slot order.
 * Returns their number (out holds up to cap). */
static int final_genomes(const Evolution *ev, int p, const Genome **out, int cap)
{
    int n = 0;
    if (ev->neat[p] != NULL) {
        int size = neat_population_size(ev->neat[p]);
        for (int k = 0; k < size && n < cap; ++k) {
            out[n++] = neat_population_genome(ev->neat[p], k);
        }
    } else if (ev->world != NULL) {
        int agents = world_agent_count(ev->world);
        for (int s = 0; s < agents && n < cap; ++s) {
            int32_t b = world_agent_tag(ev->world, s);
            if (world_agent_pop(ev->world, s) == p && b >= 0 && b < ev->genome_count) {
                out[n++] = &ev->genomes[b];
            }
        }
    }
    return n;
}

static bool is_dir(const char *path)
{
    char probe[1200];
    snprintf(probe, sizeof probe, "%s/config.yaml", path);
    FILE *f = fopen(probe, "rb");
    if (f != NULL) {
        fclose(f);
        return true;
    }
    return false;
}

int sim_eval_main(int argc, char **argv)
{
    int seeds = 20, threads = 0, ciao_gens = CIAO_DEFAULT_GENS;
    bool json = false, ciao = false, population = false, seeds_set = false;
    const char *out_dir = NULL;
    const char *against = "forager,random";
    const char *config = "configs/default.yaml";
    const char *pop_name = NULL;
    static const struct option longopts[] = {
        {"seeds", required_argument, NULL, 's'},   {"against", required_argument, NULL, 'a'},
        {"json", no_argument, NULL, 'j'},          {"threads", required_argument, NULL, 't'},
        {"config", required_argument, NULL, 'c'},  {"pop", required_argument, NULL, 'p'},
        {"ciao", no_argument, NULL, 'C'},          {"ciao-gens", required_argument, NULL, 'G'},
        {"out", required_argument, NULL, 'o'},     {"population", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},          {NULL, 0, NULL, 0},
    };
    optind = 0; /* 0: glibc starts afresh, permuting operands after flags */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":h", longopts, NULL)) != -1) {
        char *end = NULL;
        switch (opt) {
        case 's':
            seeds = (int)strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || seeds < 2 || seeds > 100000) {
                fprintf(stderr, "petri eval: error: --seeds wants a whole number from 2 to "
                                "100000, got '%s'\n", optarg);
                return 2;
            }
            seeds_set = true;
            break;
        case 'G':
            ciao_gens = (int)strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || ciao_gens < 1 || ciao_gens > CIAO_MAX_GENS) {
                fprintf(stderr, "petri eval: error: --ciao-gens wants a whole number from 1 to "
                                "%d, got '%s'\n", CIAO_MAX_GENS, optarg);
                return 2;
            }
            break;
        case 'C': ciao = true; break;
        case 'P': population = true; break;
        case 'o': out_dir = optarg; break;
        case 't':
            threads = (int)strtol(optarg, &end, 10);
            if (*optarg == '\0' || *end != '\0' || threads < 1 || threads > 1024) {
                fprintf(stderr, "petri eval: error: --threads wants 1 to 1024, got '%s'\n",
                        optarg);
                return 2;
            }
            break;
        case 'a': against = optarg; break;
        case 'j': json = true; break;
        case 'c': config = optarg; break;
        case 'p': pop_name = optarg; break;
        case 'h': usage(stdout); return 0;
        default:
            return cli_flag_error("eval", EVAL_USAGE, opt, argc, argv);
        }
    }
    if (optind >= argc) {
        usage(stderr);
        return 2;
    }
    run_process_setup(threads);
    int rules[EVAL_MAX_CONTROLLERS];
    int rule_count = against[0] ? parse_rules(against, rules, EVAL_MAX_CONTROLLERS - 1) : 0;
    if (rule_count < 0) {
        return 2;
    }

    /* The world: the run's config, or --config for genome files. */
    const char *run_dir = NULL;
    char cfg_path[1200];
    if (argc - optind == 1 && is_dir(argv[optind])) {
        run_dir = argv[optind];
        snprintf(cfg_path, sizeof cfg_path, "%s/config.yaml", run_dir);
    } else {
        snprintf(cfg_path, sizeof cfg_path, "%s", config);
    }
    if ((ciao || population || out_dir != NULL) && run_dir == NULL) {
        fprintf(stderr, "petri eval: error: --%s takes one run folder (a folder holding "
                        "config.yaml), not genome files\n",
                ciao ? "ciao" : population ? "population" : "out");
        return 2;
    }
    if (ciao && (json || population)) {
        fprintf(stderr, "petri eval: error: --ciao writes ciao.csv and a heat map; it takes "
                        "neither --%s nor the other rows of eval\n",
                json ? "json" : "population");
        return 2;
    }
    if (!ciao && out_dir != NULL) {
        fprintf(stderr, "petri eval: error: --out is where --ciao writes; without --ciao eval "
                        "prints to the terminal\n");
        return 2;
    }
    RunDef def;
    PetriError err;
    error_clear(&err);
    if (run_def_load(&def, cfg_path, NULL, 0, &err) != PETRI_OK) {
        error_print(&err, stderr);
        return 2;
    }
    if (ciao) {
        return ciao_main(run_dir, &def, ciao_gens, seeds_set ? seeds : CIAO_DEFAULT_SEEDS,
                         out_dir != NULL ? out_dir : run_dir);
    }
    /* Champions: one per evolved population. */
    Genome champ[WORLD_MAX_POPULATIONS];
    memset(champ, 0, sizeof champ);
    bool have[WORLD_MAX_POPULATIONS] = {false};
    int focus = -1; /* genome mode: the population the files play */
    int status = 0;
    for (int p = 0; p < def.population_count; ++p) {
        if (def.populations[p].controller != CONTROLLER_BRAIN) {
            continue;
        }
        if (run_dir != NULL) {
            char path[1400];
            snprintf(path, sizeof path, "%s/champions/%s-best.bin", run_dir,
                     def.populations[p].name);
            if (genome_load_any(&champ[p], path, &err) != PETRI_OK) {
                error_print(&err, stderr);
                status = 2;
                goto done;
            }
            have[p] = true;
        } else if (focus < 0 && (pop_name == NULL || strcmp(pop_name, def.populations[p].name) == 0)) {
            focus = p;
        }
    }
    if (run_dir == NULL) {
        if (focus < 0) {
            fprintf(stderr, "petri eval: error: %s has no evolved population%s%s\n", cfg_path,
                    pop_name ? " named " : "", pop_name ? pop_name : "");
            status = 2;
            goto done;
        }
        for (int p = 0; p < def.population_count; ++p) {
            if (p != focus && def.populations[p].controller == CONTROLLER_BRAIN) {
                fprintf(stderr, "petri eval: error: %s evolves more than one population: "
                                "evaluate a run folder instead (its champions play the others)\n",
                        cfg_path);
                status = 2;
                goto done;
            }
        }
    }

    /* --population: the newest checkpoint's genomes. */
    Evolution *final_ev = NULL;
    char final_path[1400] = "";
    if (population && load_final(run_dir, &final_ev, final_path, sizeof final_path, &err) !=
                          PETRI_OK) {
        error_print(&err, stderr);
        status = 2;
        goto done;
    }
    /* Rows: for each evolved population, its champion(s), its final
     * population (--population), then each rule. */
    int file_count = run_dir ? 1 : argc - optind;
    int row_cap = def.population_count * (file_count + rule_count + (population ? 1 : 0));
    EvalRow *rows = petri_calloc((size_t)row_cap, sizeof *rows);
    int nrows = 0;
    Genome *files = petri_calloc((size_t)file_count, sizeof *files);
    for (int p = 0; p < def.population_count; ++p) {
        if (def.populations[p].controller != CONTROLLER_BRAIN || (run_dir == NULL && p != focus)) {
            continue;
        }
        for (int k = 0; k < file_count; ++k) {
            EvalRow *r = &rows[nrows++];
            r->pop = p;
            snprintf(r->controller, sizeof r->controller, "champion");
            if (run_dir != NULL) {
                snprintf(r->genome, sizeof r->genome, "%s/champions/%s-best.bin", run_dir,
                         def.populations[p].name);
            } else {
                snprintf(r->genome, sizeof r->genome, "%s", argv[optind + k]);
                if (genome_load_any(&files[k], argv[optind + k], &err) != PETRI_OK) {
                    error_print(&err, stderr);
                    status = 2;
                    break;
                }
            }
        }
        if (population) {
            EvalRow *r = &rows[nrows++];
            r->pop = p;
            snprintf(r->controller, sizeof r->controller, "population");
            snprintf(r->genome, sizeof r->genome, "%s", final_path);
        }
        for (int k = 0; k < rule_count; ++k) {
            EvalRow *r = &rows[nrows++];
            r->pop = p;
            snprintf(r->controller, sizeof r->controller, "%s", controller_name(rules[k]));
        }
    }
    for (int i = 0; i < nrows; ++i) {
        for (int m = 0; m < EVAL_METRICS; ++m) {
            rows[i].v[m] = petri_calloc((size_t)seeds, sizeof(double));
        }
    }
    if (status == 0) {
        /* Every genome must fit its population's brains. */
        Habitat *probe;
        if (habitat_create(&def.world, def.populations, def.population_count, def.seed, &probe,
                           &err) != PETRI_OK) {
            error_print(&err, stderr);
            status = 2;
        } else {
            for (int i = 0; i < nrows && status == 0; ++i) {
                const Genome *g = run_dir ? &champ[rows[i].pop] : &files[0];
                for (int k = 0; k < (run_dir ? 1 : file_count); ++k) {
                    g = run_dir ? g : &files[k];
                    if (strcmp(rows[i].controller, "champion") == 0 &&
                        !habitat_genome_fits(probe, rows[i].pop, g)) {
                        fprintf(stderr, "petri eval: error: %s: %d inputs and %d outputs do not "
                                        "fit population '%s' of %s\n",
                                run_dir ? rows[i].genome : argv[optind + k], g->inputs,
                                g->outputs, def.populations[rows[i].pop].name, cfg_path);
                        status = 2;
                        break;
                    }
                }
            }
            habitat_destroy(probe);
        }
    }
    if (status == 0) {
        const Genome *others[WORLD_MAX_POPULATIONS] = {NULL};
        for (int p = 0; p < def.population_count; ++p) {
            others[p] = have[p] ? &champ[p] : NULL;
        }
        int file_k = 0;
        for (int i = 0; i < nrows && status == 0; ++i) {
            EvalRow *r = &rows[i];
            bool brain = strcmp(r->controller, "champion") == 0;
            bool whole = strcmp(r->controller, "population") == 0;
            const Genome *g = run_dir ? &champ[r->pop] : &files[brain ? file_k++ : 0];
            int controller = CONTROLLER_BRAIN;
            for (int c = CONTROLLER_RANDOM; c < CONTROLLER_COUNT && !brain && !whole; ++c) {
                if (strcmp(r->controller, controller_name(c)) == 0) {
                    controller = c;
                }
            }
            /* the slot's genomes: the champion, or the final population */
            const Genome **slot_gs = &g;
            int slot_n = brain ? 1 : 0;
            int cap = def.populations[r->pop].count > 0 ? def.populations[r->pop].count : 1;
            if (whole) {
                slot_gs = petri_calloc((size_t)cap, sizeof *slot_gs);
                slot_n = final_genomes(final_ev, r->pop, slot_gs, cap);
                for (int k = 0; k < slot_n && status == 0; ++k) {
                    if (slot_gs[k]->inputs != final_ev->inputs[r->pop] ||
                        slot_gs[k]->outputs != WORLD_OUTPUTS) {
                        status = 2;
                    }
                }
                if (slot_n == 0 || status != 0) {
                    fprintf(stderr, "petri eval: error: %s: population '%s' has %s\n",
                            final_path, def.populations[r->pop].name,
                            slot_n == 0 ? "no genomes left (extinct)"
                                        : "genomes that do not fit its config");
                    status = 2;
                    petri_free(slot_gs, (size_t)cap * sizeof *slot_gs);
                    break;
                }
            }
            for (int s = 0; s < seeds; ++s) {
                EvalMetrics em;
                eval_episode(&def, r->pop, controller, brain || whole ? slot_gs : NULL, slot_n,
                             others, eval_seed(def.seed, s), &em);
                r->v[0][s] = em.fitness;
                r->v[1][s] = em.food_per_tick;
                r->v[2][s] = em.survival;
                r->v[3][s] = em.kills;
            }
            if (whole) {
                petri_free(slot_gs, (size_t)cap * sizeof *slot_gs);
            }
        }
    }
    if (status == 0) {
        ByteBuf b;
        buf_init(&b);
        if (json) {
            buf_printf(&b, "{\n  \"format\": \"petri-eval\",\n  \"version\": 1,\n  \"source\": ");
            json_write_string(&b, run_dir ? run_dir : cfg_path);
            buf_printf(&b, ",\n  \"seeds\": %d,\n  \"seed_stream\": \"derive_seed(run seed, k, 0, "
                           "eval), k = 0..%d\",\n  \"episode_ticks\": %d,\n  \"results\": [",
                       seeds, seeds - 1, def.evolution.episode_ticks);
        } else {
            buf_printf(&b, "%d held-out seeds, %d ticks each; mean [95%% CI]\n", seeds,
                       def.evolution.episode_ticks);
            buf_printf(&b, "%-12s %-10s %-30s %-24s %-20s %-18s %s\n", "population", "controller",
                       "fitness", "food per tick", "survival", "kills", "champion - this");
        }
        int champ_row = -1;
        for (int i = 0; i < nrows; ++i) {
            EvalRow *r = &rows[i];
            bool brain = strcmp(r->controller, "champion") == 0;
            if (brain && (i == 0 || rows[i - 1].pop != r->pop || champ_row < 0 ||
                          rows[champ_row].pop != r->pop)) {
                champ_row = i;
            }
            EvalInterval iv[EVAL_METRICS];
            for (int m = 0; m < EVAL_METRICS; ++m) {
                iv[m] = eval_interval(r->v[m], seeds);
            }
            bool diff = !brain && champ_row >= 0 && rows[champ_row].pop == r->pop;
            EvalInterval d = {0};
            if (diff) {
                d = eval_paired_diff(rows[champ_row].v[0], r->v[0], seeds);
            }
            const char *pname = def.populations[r->pop].name;
            if (json) {
                buf_printf(&b, "%s\n    {\"population\": ", i ? "," : "");
                json_write_string(&b, pname);
                buf_printf(&b, ", \"controller\": ");
                json_write_string(&b, r->controller);
                if (brain) {
                    buf_printf(&b, ", \"genome\": ");
                    json_write_string(&b, r->genome);
                } else if (strcmp(r->controller, "population") == 0) {
                    buf_printf(&b, ", \"checkpoint\": ");
                    json_write_string(&b, r->genome);
                }
                buf_printf(&b, ", \"n\": %d, \"mean\": %.9g, \"ci95\": [%.9g, %.9g], \"sd\": %.9g",
                           seeds, iv[0].mean, iv[0].lo, iv[0].hi, iv[0].sd);
                for (int m = 1; m < EVAL_METRICS; ++m) {
                    buf_printf(&b, ", ");
                    print_interval_json(&b, metric_names[m], iv[m]);
                }
                if (diff) {
                    buf_printf(&b, ", ");
                    print_interval_json(&b, "champion_minus_this", d);
                }
                buf_printf(&b, "}");
            } else {
                char c[4][64], dtext[64] = "";
                snprintf(c[0], sizeof c[0], "%.2f [%.2f, %.2f]", iv[0].mean, iv[0].lo, iv[0].hi);
                snprintf(c[1], sizeof c[1], "%.4f [%.4f, %.4f]", iv[1].mean, iv[1].lo, iv[1].hi);
                snprintf(c[2], sizeof c[2], "%.2f [%.2f, %.2f]", iv[2].mean, iv[2].lo, iv[2].hi);
                snprintf(c[3], sizeof c[3], "%.2f [%.2f, %.2f]", iv[3].mean, iv[3].lo, iv[3].hi);
                if (diff) {
                    snprintf(dtext, sizeof dtext, "%+.2f [%+.2f, %+.2f]%s", d.mean, d.lo, d.hi,
                             d.lo > 0 ? " champion better" : d.hi < 0 ? " champion worse" : "");
                }
                buf_printf(&b, "%-12s %-10s %-30s %-24s %-20s %-18s %s\n", pname, r->controller,
                           c[0], c[1], c[2], c[3], dtext);
            }
        }
        if (json) {
            buf_printf(&b, "\n  ]\n}\n");
        }
        fwrite(b.data, 1, b.len, stdout);
        buf_fini(&b);
    }
    for (int i = 0; i < nrows; ++i) {
        row_free(&rows[i], seeds);
    }
    petri_free(rows, (size_t)row_cap * sizeof *rows);
    for (int k = 0; k < file_count; ++k) {
        genome_fini(&files[k]);
    }
    petri_free(files, (size_t)file_count * sizeof *files);
    evolution_destroy(final_ev);
done:
    for (int p = 0; p < WORLD_MAX_POPULATIONS; ++p) {
        genome_fini(&champ[p]);
    }
    return status;
}
