/*
 * fg_prefetch: FG_PREFETCH(p), a hint to start loading the cache line at p
 * for a read soon (a no-op where the compiler has no builtin).  For scans
 * whose next steps read arrays at random: issued a few items ahead, the
 * misses overlap instead of stalling one by one.
 */
#ifndef FG_SRC_FG_PREFETCH_H
#define FG_SRC_FG_PREFETCH_H

#if defined(__GNUC__)
#define FG_PREFETCH(p) __builtin_prefetch(p)
#else
#define FG_PREFETCH(p) ((void)(p))
#endif

#endif
