/* Names of a genome's inputs and outputs: kept beside the genome (never
 * in it), checked against its shape before they are written anywhere. */
#include "genome/genome_internal.h"

#include <string.h>

void genome_names_init(GenomeNames *n)
{
    memset(n, 0, sizeof *n);
}

void genome_names_fini(GenomeNames *n)
{
    if (n->name != NULL) {
        petri_free(n->name, (size_t)(n->inputs + n->outputs) * GENOME_NAME_CAP);
    }
    genome_names_init(n);
}

void genome_names_resize(GenomeNames *n, int inputs, int outputs)
{
    genome_names_fini(n);
    if (inputs < 0 || outputs < 0 || inputs + outputs == 0) {
        return;
    }
    n->name = petri_calloc((size_t)(inputs + outputs), GENOME_NAME_CAP);
    n->inputs = inputs;
    n->outputs = outputs;
}

bool genome_names_present(const GenomeNames *n)
{
    return n != NULL && n->name != NULL && n->inputs + n->outputs > 0;
}

const char *genome_names_input(const GenomeNames *n, int i)
{
    return genome_names_present(n) && i >= 0 && i < n->inputs ? n->name[i] : NULL;
}

const char *genome_names_output(const GenomeNames *n, int k)
{
    return genome_names_present(n) && k >= 0 && k < n->outputs ? n->name[n->inputs + k] : NULL;
}

/* Characters that need no escaping in JSON, DOT, CSV or a shell word. */
bool genome_name_valid(const char *s)
{
    size_t len = s != NULL ? strlen(s) : 0;
    if (len == 0 || len >= GENOME_NAME_CAP) {
        return false;
    }
    for (size_t i = 0; i < len; ++i) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  strchr("._-+:/()[]", c) != NULL;
        if (!ok) {
            return false;
        }
    }
    return true;
}

PetriStatus genome_names_check(const GenomeNames *n, const Genome *g, const char *where,
                               PetriError *err)
{
    if (!genome_names_present(n) || n->inputs != g->inputs || n->outputs != g->outputs) {
        if (err == NULL) {
            return PETRI_EFORMAT;
        }
        return error_add(err, PETRI_EFORMAT,
                         "%s: error: names for %d inputs and %d outputs, but the genome has %d inputs "
                         "and %d outputs",
                         where, genome_names_present(n) ? n->inputs : 0,
                         genome_names_present(n) ? n->outputs : 0, g->inputs, g->outputs);
    }
    for (int i = 0; i < n->inputs + n->outputs; ++i) {
        if (!genome_name_valid(n->name[i])) {
            if (err == NULL) {
                return PETRI_EFORMAT;
            }
            bool in = i < n->inputs;
            return error_add(err, PETRI_EFORMAT,
                             "%s: error: the name of %s %d is not 1 to %d of A-Z a-z 0-9 . _ - + : / ( ) "
                             "[ ]",
                             where, in ? "input" : "output", in ? i : i - n->inputs,
                             GENOME_NAME_CAP - 1);
        }
    }
    return PETRI_OK;
}
