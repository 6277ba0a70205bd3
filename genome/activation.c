/* Activation functions: names and the double-precision reference formulas
 * (docs/genome-format.md). */
#include "genome/genome.h"

#include <math.h>
#include <string.h>

static const char *const activation_names[ACT_COUNT] = {
    "identity", "sigmoid", "neat_sigmoid", "tanh", "relu", "gauss", "sin", "abs", "step",
};

const char *activation_name(Activation a)
{
    if ((int)a < 0 || a >= ACT_COUNT) {
        return "unknown";
    }
    return activation_names[a];
}

Activation activation_from_name(const char *name)
{
    for (int i = 0; i < ACT_COUNT; ++i) {
        if (strcmp(activation_names[i], name) == 0) {
            return (Activation)i;
        }
    }
    return ACT_COUNT;
}

double activation_apply(Activation a, double x)
{
    switch (a) {
    case ACT_IDENTITY: return x;
    case ACT_SIGMOID: return 1.0 / (1.0 + exp(-x));
    case ACT_NEAT_SIGMOID: return 1.0 / (1.0 + exp(-4.9 * x));
    case ACT_TANH: return tanh(x);
    case ACT_RELU: return x > 0.0 ? x : 0.0;
    case ACT_GAUSS: return exp(-x * x);
    case ACT_SIN: return mathx_sin(x);
    case ACT_ABS: return fabs(x);
    case ACT_STEP: return x > 0.0 ? 1.0 : 0.0;
    case ACT_COUNT: break;
    }
    return x;
}
