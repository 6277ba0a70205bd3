/* Graphviz DOT for genomes: inputs and the bias node ranked first,
 * outputs last, weights as edge labels, disabled connections dashed and
 * grey, negative weights red. */
#include "genome/genome_internal.h"

void genome_write_dot(const Genome *g, ByteBuf *out)
{
    buf_printf(out, "digraph genome {\n  rankdir=LR;\n  node [fontsize=10];\n");
    buf_printf(out, "  { rank=source;");
    for (int i = 0; i <= g->inputs; ++i) {
        if (i < g->inputs) {
            buf_printf(out, " n%d [label=\"in %d\", shape=box];", i, i);
        } else {
            buf_printf(out, " n%d [label=\"bias\", shape=box, style=filled, fillcolor=gray90];", i);
        }
    }
    buf_printf(out, " }\n  { rank=sink;");
    for (int k = 0; k < g->outputs; ++k) {
        const NodeGene *n = &g->nodes[g->inputs + 1 + k];
        buf_printf(out, " n%u [label=\"out %d\\n%s\", shape=doublecircle];", n->id, k,
                   activation_name((Activation)n->activation));
    }
    buf_printf(out, " }\n");
    for (int i = g->inputs + 1 + g->outputs; i < g->node_count; ++i) {
        const NodeGene *n = &g->nodes[i];
        buf_printf(out, "  n%u [label=\"%u\\n%s\", shape=circle];\n", n->id, n->id,
                   activation_name((Activation)n->activation));
    }
    for (int i = 0; i < g->conn_count; ++i) {
        const ConnGene *c = &g->conns[i];
        buf_printf(out, "  n%u -> n%u [label=\"%.3g\"%s];\n", c->from, c->to, (double)c->weight,
                   c->enabled ? (c->weight < 0 ? ", color=red" : "")
                              : ", style=dashed, color=gray");
    }
    buf_printf(out, "}\n");
}

PetriStatus genome_save_dot(const Genome *g, const char *path, PetriError *err)
{
    ByteBuf b;
    buf_init(&b);
    genome_write_dot(g, &b);
    PetriStatus st = file_write_atomic(path, b.data, b.len, err);
    buf_fini(&b);
    return st;
}

