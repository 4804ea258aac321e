/*
 * fg_mpi: the nightly run on several processes under mpirun (first stage).
 *
 * What runs distributed (every rank): ingest and a connected-components
 * pass.  Each rank reads its byte range of every CSV input (cut at record
 * boundaries by the quote-parity rule, src/fg_ingest_split.h; SQLite inputs,
 * stdin and files that cannot be split are read by rank 0), validates rows
 * with the one-process reader, and routes every good row to the rank that
 * owns it (MPI_Alltoallv): a user-entity row to the owner of its entity (hash
 * of kind and value), a user-user row to the owner of the smaller user id, a
 * user row to the owner of the user.  Owners de-duplicate, merge first/last
 * seen and labels, and count shares, so hubs are decided by the owning rank.
 * The bad-row budget and --strict are global: ranks learn the physical line
 * of their first byte (MPI_Exscan of line breaks) and the bad rows before
 * them, and the first stopping row in file order decides, with the message
 * and the report one process would give.  The components pass numbers the
 * users canonically across the ranks (a sample sort of the user ids: one
 * process's numbering) and runs FastSV (fg_cc_dist.c) over the users, an
 * owned entity's users joined as a star; its labels are one process's
 * component ids, checked on rank 0 against fg_cc (a mismatch fails the run).
 * Link rows are routed under their canonical kind and normalised value (the
 * link set's row path), so each graph entity has one owner, and the same
 * sample sort over (kind, value) keys gives every owner the graph's id of
 * each entity it owns, checked on rank 0 against the graph it built (the
 * ranges' keys in id order, the owners' ids, shares and hubs; a mismatch
 * fails the run).
 *
 * The seeded risk walk runs on every rank too (fg_mpi_risk, fg_risk_dist.c):
 * the ranks find the seeds (their users' labels, --holdout), fg_risk's
 * active list (the seeds' components) and its cut into runs of whole
 * summation blocks (per-block arc counts, an integer sum) from their own
 * rows, each rank builds the rows of its run from the links it owns (the
 * entity ids); rank 0 checks the seeds, the list, the cut and the rows
 * against its graph (a mismatch fails the run); the ranks iterate and
 * exchange neighbour values;
 * the block sums are added in fg_risk's order, so the values are its bits.
 * So does the evidence BFS (fg_mpi_evidence, fg_bfs_dist.c): the same runs
 * of the seeds' closure, frontier vertices sent to their owners each level,
 * parents chosen by fg_bfs_multi's rule: its hops and nearest seeds.
 *
 * The ring finder runs on the ranks too, per component (fg_mpi_rings): the
 * components of 2+ users packed whole onto the ranks (fg_pack), their links
 * shipped there, one graph per rank built by fg_graph_build and fg_rings on
 * it; the run uses the ranks' rings, which rank 0 checks against its own.
 *
 * What still runs on rank 0: the de-duplicated link set is streamed to rank 0
 * (MPI_Gatherv rounds of at most FG_MPI_STREAM bytes per rank), which runs
 * today's pipeline from build to the write-back, the risk walk and the
 * evidence BFS excepted.  So the results database and its output digest are
 * those of one process, for any rank count (docs/scale.md: what each later stage needs).
 *
 * Protocol: rank 0 runs the command (cmd_run.c: fg_run_all); the other ranks
 * run fg_mpi_worker, which waits for rank 0's commands (ingest, components,
 * risk, evidence, done with the exit code).  Errors are agreed collectively: the first
 * failing rank's code and message reach every rank.  A rank that dies takes
 * the job down (MPI_ERRORS_ARE_FATAL; mpirun kills the rest), and rank 0's
 * open transaction is never committed: nothing of the run is stored.
 *
 * Without MPI at build time none of this is compiled (FG_HAVE_MPI 0).
 */
#ifndef FG_ENGINE_FG_MPI_H
#define FG_ENGINE_FG_MPI_H

#include "fg_graph.h"
#include "fg_ingest.h"
#include "fg_rings.h"
#include "fg_features.h"
#include "fg_score.h"
#include "fg_risk.h"
#include "fg_run.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes per rank per gather round to rank 0. */
#define FG_MPI_STREAM ((size_t)16 << 20)

/*
 * MPI_Init when launched by mpirun (OMPI_COMM_WORLD_SIZE, PMI_SIZE or
 * PMIX_RANK in the environment); otherwise nothing.  Returns true if MPI is
 * active.  Call once, first thing in main.
 */
bool fg_mpi_init(int *argc, char ***argv);

/* Whether MPI is active; this process's rank and the number of ranks (0, 1 without MPI). */
bool fg_mpi_active(void);
int fg_mpi_rank(void);
int fg_mpi_size(void);

/*
 * A command that takes part in the protocol has begun on every rank (called
 * by cmd_run after its options parsed, identically on every rank).
 */
void fg_mpi_session_begin(void);

/*
 * The other ranks' side of a run: follow rank 0's commands until it is done;
 * returns rank 0's exit code.  Non-zero ranks print nothing but their own
 * fatal errors.
 */
int fg_mpi_worker(const fg_run_opts *o);

/*
 * Rank 0: the distributed ingest (see above) into ls and bad, which then
 * hold exactly what one process's ingest gives.  Returns FG_OK, FG_EDATA
 * (bad-row budget, strict, header; message as on one process), FG_EIO,
 * FG_ENOMEM, FG_ERROR (MPI).
 */
int fg_mpi_ingest(fg_linkset *ls, fg_badrows *bad, const fg_run_opts *o);

/*
 * Rank 0, after fg_cc: the distributed components pass over the ranks'
 * owned links, checked against comp (users only: the same partition), then
 * the canonical entity ids on the owners, checked against g's entities.
 * Returns FG_OK, FG_EDATA (a component over a rank's budget), FG_ENOMEM or
 * FG_ERROR (a mismatch, with the first differing user or entity range).
 */
int fg_mpi_components(const fg_graph *g, const uint32_t *comp);

/*
 * Rank 0, after fg_rings gave check and *check_st (on g, the whole graph):
 * the ring finder on the ranks, per component, whose rings the run uses.
 * The components of 2+ users are packed whole onto the ranks (fg_pack:
 * largest first, ties by the smallest member, from the sizes counted at the
 * owners of their labels), each one's links (user-entity rows of non-hub
 * entities, relations) shipped to its rank, which builds one graph of its
 * components with fg_graph_build and runs fg_rings on it; the rings come
 * back in canonical ids (g's user ids) into ring[0 .. g->n_users) (a user of
 * no packed component alone), the whole graph's sweeps and convergence into
 * *stats (iterations, converged; changes_last 0), and both are checked
 * against check and *check_st.  Returns FG_OK, FG_ENOMEM or FG_ERROR (MPI,
 * or rings or sweeps that are not rank 0's, naming the first user that
 * differs); on an error ring is unspecified.
 */
int fg_mpi_rings(uint32_t *ring, fg_rings_stats *stats, const fg_graph *g, const uint32_t *check,
                 const fg_rings_stats *check_st);

/*
 * Rank 0, after fg_score_compute gave s (on g, with the run's rings): the
 * whole score of each ring and component of 2+ users that the ranks
 * computed on their graphs of whole components (kept from fg_mpi_rings to
 * the end of fg_mpi_evidence, which scores them: fg_score_groups, with the
 * users' labels and creation times shipped with the links, the seeds, the
 * walk's values asked of the closure's parts and risk_norm's reference
 * gathered in seed order) compared with s->rings and s->comps, every field:
 * integers equal, doubles bit for bit; then the run uses the ranks' scores
 * (fg_score_use_groups: s->rings and s->comps are theirs, and the per-user
 * fields that come from them; comp and ring are the run's labels, g's
 * users').  Not collective (the ranks' scores reached rank 0 at the end of
 * the evidence BFS).  Returns FG_OK (also without MPI running), FG_ENOMEM
 * or FG_ERROR naming the first group that differs and the field (or when
 * the ranks found no scores); s is then rank 0's own.
 */
int fg_mpi_ring_scores(fg_scores *s, const fg_graph *g, const uint32_t *comp,
                       const uint32_t *ring);

/*
 * Rank 0, once it has opened the model's features f on g with the scores s:
 * the ranks' feature rows of the users of components of 2+ (computed on the
 * ranks' graphs of packed components at the end of the evidence BFS, the
 * columns that depend only on the user's component, its rings, its CSR
 * links and the ranks' per-user inputs: feat_col in fg_mpi.c) compared bit
 * for bit with f's rows: the scoring row (the user's own fold excluded) and
 * the four training rows (its fold and one other excluded), and the
 * hub-link counts (hub_links, hub_card, hub_device, hub_address) the hub
 * owners' links give and the degrees (deg_total, deg_card .. deg_other)
 * the rank's part and the owners' links give, with the scoring row, and
 * the seed columns (hub_seeds, seeds_card .. seeds_other, entity_seeds_max)
 * the rank's part and the hub owners' seeds per fold give, with all five
 * rows.  Rank 0's rows are kept as the check; after it passes the ranks'
 * rows, the owners' counts, the degrees and the seed columns are kept for
 * fg_mpi_use_features until fg_mpi_drop_features.  Not collective.
 * Returns FG_OK (also without MPI running), FG_ENOMEM or FG_ERROR naming the
 * first user and column that differ (or when the ranks found none); on an
 * error nothing is kept.
 */
int fg_mpi_check_features(const fg_features *f, const fg_graph *g, const fg_scores *s);

/*
 * Rank 0, after fg_mpi_check_features passed: into rows[0..n) (row-major,
 * fg_features_count(f) columns, built by fg_features_rows for users[0..n)
 * with mask), the ranks' checked columns of each packed user whose row is
 * its scoring row (mask excludes exactly its own fold) or one of its
 * training rows (its own fold and one other excluded), and in the same rows
 * the hub owners' checked hub-link counts and the checked degrees (they do
 * not depend on the mask) and the checked seed columns of that row;
 * other rows and columns are left as they are.  Does nothing without the ranks' rows.
 * Read-only: may be called from many threads.  O(n log packed users).
 */
void fg_mpi_use_features(float *rows, const fg_features *f, const uint32_t *users, uint32_t n,
                         unsigned mask);

/* Frees the ranks' feature rows kept by fg_mpi_check_features (none: nothing). */
void fg_mpi_drop_features(void);

/*
 * Rank 0, in place of fg_risk (same contract, same bits in risk and stats):
 * the walk across the ranks (fg_risk_dist).  The ranks find the seeds,
 * the active list and its cut into runs of whole blocks, and each rank its
 * vertices' CSR rows, from their own rows and links; rank 0 checks each
 * against g and seeds (which must be the run's: fraud users less the held
 * out, ascending); the ranks iterate, exchanging neighbour values; rank 0
 * gathers the values.  Returns FG_OK, FG_ENOMEM, FG_EUSAGE (a seed not a
 * user), FG_ERROR (MPI, or seeds, a list, a cut or parts that are not rank
 * 0's).
 */
int fg_mpi_risk(double *risk, const fg_graph *g, const uint32_t *seeds, uint32_t ns,
                double damping, double tol, int max_iter, fg_risk_stats *stats);

/*
 * Rank 0, in place of fg_bfs_multi from the seeds (the same dist and
 * nearest, g->g.n entries each): the evidence BFS across the ranks
 * (fg_bfs_dist).  The seeds, their closure, its cut and its parts found
 * and checked as for the risk walk (the walk's, when it ran on the same
 * seeds); the ranks expand the levels,
 * exchanging frontier vertices with their owners; rank 0 gathers the hops
 * and nearest seeds.  Returns FG_OK, FG_ENOMEM, FG_EUSAGE (a seed not a
 * user), FG_ERROR (MPI, or a check as for the walk).
 */
int fg_mpi_evidence(uint32_t *dist, uint32_t *nearest, const fg_graph *g, const uint32_t *seeds,
                    uint32_t ns);

/* Rank 0's last word (the exit code to the workers), then MPI_Finalize; no-op without MPI. */
void fg_mpi_finalize(int exit_code);

#endif
