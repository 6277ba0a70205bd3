/*
 * The snapshot: a copy of what the window draws, made on the simulation's
 * thread after a tick. It reads the world through world.h's const
 * accessors only, so capturing can never change the run.
 */
#include "render/render_internal.h"

#include <math.h>
#include <string.h>

void snapshot_init(ViewSnapshot *s)
{
    memset(s, 0, sizeof *s);
    s->brain.agent = WORLD_NO_ID;
    s->input_names = petri_alloc(sizeof *s->input_names * WORLD_MAX_POPULATIONS * WORLD_MAX_INPUTS);
    memset(s->input_names, 0, sizeof *s->input_names * WORLD_MAX_POPULATIONS * WORLD_MAX_INPUTS);
}

void snapshot_fini(ViewSnapshot *s)
{
    petri_free(s->input_names, sizeof *s->input_names * WORLD_MAX_POPULATIONS * WORLD_MAX_INPUTS);
    petri_free(s->plant, sizeof(float) * (size_t)s->food_cap);
    petri_free(s->meat, sizeof(float) * (size_t)s->food_cap);
    petri_free(s->agents, sizeof(SnapAgent) * (size_t)s->agent_cap);
    genome_fini(&s->brain.genome);
    petri_free(s->brain.values, sizeof(float) * (size_t)s->brain.value_cap);
    petri_free(s->brain.recurrent, (size_t)s->brain.recurrent_cap);
    memset(s, 0, sizeof *s);
}

/* Grows *p (elements of size `size`, capacity *cap) to at least n. */
static void grow(void **p, int *cap, int n, size_t size)
{
    if (n <= *cap) {
        return;
    }
    int c = *cap > 0 ? *cap : 64;
    while (c < n) {
        c *= 2;
    }
    *p = petri_realloc(*p, size * (size_t)*cap, size * (size_t)c);
    *cap = c;
}

/* The fitness sim/ gives an agent at the end of an episode, from its
 * counters and energy so far: the population's weighted sum. */
static double fitness_so_far(const FitnessDef *f, const AgentView *a)
{
    const AgentCounters *c = &a->counters;
    return f->energy_plants * c->energy_plants + f->energy_meat * c->energy_meat +
           f->ticks_alive * (double)c->ticks_alive + f->distance * c->distance +
           f->damage * c->damage + f->kills * (double)c->kills +
           f->offspring * (double)c->offspring + f->energy_final * (double)a->energy;
}

void snapshot_capture_world(ViewSnapshot *s, const World *w, const FitnessDef *fitness)
{
    const WorldDef *wd = world_def(w);
    s->tick = world_tick(w);
    s->size[0] = wd->size[0];
    s->size[1] = wd->size[1];
    s->edges = wd->edges;
    s->food_capacity = wd->food.capacity;
    int pops = world_population_count(w);
    if (pops != s->pop_count) {
        s->pop_count = pops;
        for (int p = 0; p < pops; ++p) {
            s->pops[p] = *world_population_def(w, p);
            _Static_assert(sizeof s->pop_names[p] == sizeof s->pops[p].name, "name sizes");
            memcpy(s->pop_names[p], s->pops[p].name, sizeof s->pop_names[p]);
            s->pop_names[p][sizeof s->pop_names[p] - 1] = '\0';
            int n = world_input_count(w, p);
            s->input_count[p] = n;
            for (int i = 0; i < n && i < WORLD_MAX_INPUTS; ++i) {
                world_input_name(w, p, i, s->input_names[p * WORLD_MAX_INPUTS + i],
                                 VIEW_NAME_LEN);
            }
        }
    }
    for (int p = 0; p < pops; ++p) {
        s->pop_size[p] = world_population_size(w, p);
        if (fitness != NULL) {
            s->fitness[p] = fitness[p];
        } else {
            memset(&s->fitness[p], 0, sizeof s->fitness[p]);
            s->fitness[p].energy_plants = 1.0;
            s->fitness[p].energy_meat = 1.0;
        }
    }
    int nx = 0, ny = 0;
    int cells = world_food_cells(w, &nx, &ny);
    if (cells > s->food_cap) {
        int old = s->food_cap;
        int cap = old;
        grow((void **)&s->plant, &cap, cells, sizeof(float));
        s->meat = petri_realloc(s->meat, sizeof(float) * (size_t)old, sizeof(float) * (size_t)cap);
        s->food_cap = cap;
    }
    for (int c = 0; c < cells; ++c) {
        s->plant[c] = world_food_plant(w, c);
        s->meat[c] = world_food_meat(w, c);
    }
    s->food_nx = nx;
    s->food_ny = ny;
    s->obstacle_count = world_obstacles(w, s->obstacles,
                                        (int)(sizeof s->obstacles / sizeof s->obstacles[0]));
    if (s->obstacle_count > (int)(sizeof s->obstacles / sizeof s->obstacles[0])) {
        s->obstacle_count = (int)(sizeof s->obstacles / sizeof s->obstacles[0]);
    }
    int n = world_agent_count(w);
    grow((void **)&s->agents, &s->agent_cap, n, sizeof(SnapAgent));
    for (int i = 0; i < n; ++i) {
        AgentView a;
        world_agent(w, i, &a);
        SnapAgent *d = &s->agents[i];
        d->id = a.id;
        d->parent = a.counters.parent;
        d->pop = (int16_t)a.pop;
        d->species = -1;
        d->genome = -1;
        d->x = a.x;
        d->y = a.y;
        d->heading = a.heading;
        d->energy = a.energy;
        d->radius = (float)s->pops[a.pop].radius;
        d->age = a.age;
        d->counters = a.counters;
        d->fitness = (float)fitness_so_far(&s->fitness[a.pop], &a);
    }
    s->agent_count = n;
}

void snapshot_capture_brain(ViewSnapshot *s, uint32_t agent, const Genome *g,
                            const float *values)
{
    SnapBrain *b = &s->brain;
    b->agent = agent;
    b->valid = g != NULL;
    if (g == NULL) {
        return;
    }
    genome_copy(&b->genome, g);
    grow((void **)&b->values, &b->value_cap, g->node_count, sizeof(float));
    for (int i = 0; i < g->node_count; ++i) {
        b->values[i] = values != NULL ? values[i] : 0.0f;
    }
    grow((void **)&b->recurrent, &b->recurrent_cap, g->conn_count > 0 ? g->conn_count : 1, 1);
    brain_find_recurrent(g, b->recurrent);
}

int snapshot_find(const ViewSnapshot *s, uint32_t id)
{
    int lo = 0, hi = s->agent_count - 1;
    while (lo <= hi) {
        int mid = lo + (hi - lo) / 2;
        if (s->agents[mid].id == id) {
            return mid;
        }
        if (s->agents[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return -1;
}

int snapshot_pick(const ViewSnapshot *s, double x, double y, double reach)
{
    int best = -1;
    double best_d = INFINITY;
    for (int i = 0; i < s->agent_count; ++i) {
        const SnapAgent *a = &s->agents[i];
        double dx = a->x - x, dy = a->y - y;
        double d = sqrt(dx * dx + dy * dy) - a->radius;
        if (d <= reach && d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

int snapshot_best(const ViewSnapshot *s, int pop, uint32_t after)
{
    int at = after != WORLD_NO_ID ? snapshot_find(s, after) : -1;
    float limit = at >= 0 ? s->agents[at].fitness : INFINITY;
    uint32_t limit_id = at >= 0 ? s->agents[at].id : 0;
    int best = -1;
    for (int i = 0; i < s->agent_count; ++i) {
        const SnapAgent *a = &s->agents[i];
        if (a->pop != pop) {
            continue;
        }
        /* strictly below `after` in the order (fitness desc, id asc) */
        if (at >= 0 && !(a->fitness < limit || (a->fitness == limit && a->id > limit_id))) {
            continue;
        }
        if (best < 0 || a->fitness > s->agents[best].fitness) {
            best = i;
        }
    }
    if (best < 0 && at >= 0) {
        return snapshot_best(s, pop, WORLD_NO_ID); /* wrap around */
    }
    return best;
}

void snapshot_capture_brain_pool(ViewSnapshot *s, uint32_t agent, const BrainPool *pool,
                                 int brain)
{
    SnapBrain *b = &s->brain;
    b->agent = agent;
    b->valid = true;
    int m = brain_conn_count(pool, brain);
    grow((void **)&b->recurrent, &b->recurrent_cap, m > 0 ? m : 1, 1);
    brain_to_genome(pool, brain, &b->genome, b->recurrent);
    int n = brain_node_count(pool, brain);
    grow((void **)&b->values, &b->value_cap, n, sizeof(float));
    memcpy(b->values, brain_node_values(pool, brain), sizeof(float) * (size_t)n);
}
