/*
 * What the viewer reads of a run besides run_stats: the genome behind an
 * agent it shows, the open-ended world between steps, and the lineage
 * rows as they are produced. Nothing here changes the run.
 */
#include "sim/evolve_internal.h"
#include "sim/run_internal.h"

int run_view_genome_index(const Run *r, const RunView *v, int slot)
{
    if (v->episode != 0 || slot < 0 || slot >= world_agent_count(v->world)) {
        return -1;
    }
    int p = world_agent_pop(v->world, slot);
    if (r->ev->neat[p] == NULL) {
        return -1;
    }
    /* an arena's founders get ids 0, 1, ... population by population,
     * genome k of population p being p's k-th (evolution_species_of) */
    uint32_t first = 0;
    for (int q = 0; q < p; ++q) {
        first += (uint32_t)r->ev->def.populations[q].count;
    }
    uint32_t id = world_agent_id(v->world, slot);
    if (id < first || id - first >= (uint32_t)r->ev->def.populations[p].count) {
        return -1;
    }
    return (int)(id - first);
}

const Genome *run_view_genome(const Run *r, const RunView *v, int slot)
{
    if (slot < 0 || slot >= world_agent_count(v->world)) {
        return NULL;
    }
    const Evolution *ev = r->ev;
    if (v->episode < 0) {
        int32_t tag = world_agent_tag(v->world, slot);
        return tag >= 0 && tag < ev->genome_count ? &ev->genomes[tag] : NULL;
    }
    int k = run_view_genome_index(r, v, slot);
    return k >= 0 ? neat_population_genome(ev->neat[world_agent_pop(v->world, slot)], k) : NULL;
}

bool run_view_world(const Run *r, RunView *out)
{
    const Evolution *ev = r->ev;
    if (ev == NULL || ev->def.evolution.mode != EVOLUTION_OPEN_ENDED || ev->world == NULL) {
        return false;
    }
    out->world = ev->world;
    out->brains = ev->brains;
    out->generation = ev->generation + 1;
    out->tick = world_tick(ev->world);
    out->episode = -1;
    return true;
}

const char *run_lineage_rows(const Run *r, size_t *len)
{
    *len = r->lineage_rows.len;
    return r->lineage_rows.len > 0 ? (const char *)r->lineage_rows.data : "";
}
