#include "fg_par.h"

#include "fg_alloc.h"
#include "fg_build_config.h"

#include <stdlib.h>

#if FG_HAVE_OPENMP
#include <omp.h>
#endif

void fg_par_set_threads(int n)
{
#if FG_HAVE_OPENMP
	if (n > 0)
		omp_set_num_threads(n);
#else
	(void)n;
#endif
}

int fg_par_threads(void)
{
#if FG_HAVE_OPENMP
	return omp_get_max_threads();
#else
	return 1;
#endif
}

static uint64_t min_ns;
static int min_ns_set;

void fg_par_set_min_ns(uint64_t ns)
{
	min_ns = ns;
	min_ns_set = 1;
}

int fg_par_pays(uint64_t units, uint64_t ns_per_unit)
{
	if (!min_ns_set) {
		const char *e = getenv("FG_PAR_MIN_NS");
		char *end = NULL;
		unsigned long long v = e && *e ? strtoull(e, &end, 10) : 0;
		fg_par_set_min_ns(e && *e && end && !*end ? (uint64_t)v : FG_PAR_MIN_NS);
	}
	if (fg_par_threads() < 2 || units == 0)
		return 0;
	if (ns_per_unit == 0)
		ns_per_unit = 1;
	return units >= (min_ns + ns_per_unit - 1) / ns_per_unit;
}

double fg_par_sum_fn(uint64_t n, double (*f)(uint64_t i, const void *ctx), const void *ctx)
{
	uint64_t nb = (n + FG_PAR_BLOCK - 1) / FG_PAR_BLOCK;
	double stackbuf[64], *part = nb <= 64 ? stackbuf : fg_mallocarray(nb, sizeof(double));
	double total = 0.0;
	int64_t b;

	if (!part) {
		/* Out of memory: the serial sum in index order is deterministic too. */
		for (uint64_t i = 0; i < n; i++)
			total += f(i, ctx);
		return total;
	}
	#pragma omp parallel for schedule(static)
	for (b = 0; b < (int64_t)nb; b++) {
		uint64_t lo = (uint64_t)b * FG_PAR_BLOCK;
		uint64_t hi = lo + FG_PAR_BLOCK < n ? lo + FG_PAR_BLOCK : n;
		double s = 0.0;
		for (uint64_t i = lo; i < hi; i++)
			s += f(i, ctx);
		part[b] = s;
	}
	for (uint64_t k = 0; k < nb; k++)
		total += part[k];
	if (part != stackbuf)
		fg_free(part);
	return total;
}

static double get_elem(uint64_t i, const void *ctx)
{
	return ((const double *)ctx)[i];
}

double fg_par_sum(const double *x, uint64_t n)
{
	return fg_par_sum_fn(n, get_elem, x);
}
