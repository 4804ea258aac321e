/*
 * fg_ingest_split: the byte scans that cut a CSV file into ranges (see
 * fg_ingest_split.h).  Both read with pread in 1 MiB blocks: O(bytes),
 * memory O(1).
 */
#include "fg_ingest_split.h"

#include "fg_alloc.h"
#include "fg_error.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define SCAN_BLOCK ((size_t)1 << 20)

static int open_ro(int *fd, const char *path)
{
	*fd = open(path, O_RDONLY);
	if (*fd < 0)
		return fg_error_set(FG_EIO, "%s: cannot open: %s", path, strerror(errno));
	return FG_OK;
}

/* pread that retries EINTR; -1 sets the message. */
static ssize_t read_at(int fd, const char *path, char *buf, size_t n, uint64_t off)
{
	for (;;) {
		ssize_t k = pread(fd, buf, n, (off_t)off);

		if (k >= 0)
			return k;
		if (errno != EINTR) {
			fg_error_set(FG_EIO, "%s: read error: %s", path, strerror(errno));
			return -1;
		}
	}
}

int fg_csv_scan(const char *path, uint64_t begin, uint64_t end, unsigned *parity,
                uint64_t *breaks)
{
	char *buf = NULL, next = 0;
	unsigned par = 0;
	uint64_t nb = 0, off = begin;
	int fd = -1, rc;

	*parity = 0;
	*breaks = 0;
	if (begin >= end)
		return FG_OK;
	if ((rc = open_ro(&fd, path)) != FG_OK)
		return rc;
	if (!(buf = fg_malloc(SCAN_BLOCK + 1))) {
		rc = fg_error_set(FG_ENOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	while (off < end) {
		size_t want = end - off < SCAN_BLOCK ? (size_t)(end - off) : SCAN_BLOCK;
		ssize_t k = read_at(fd, path, buf, want, off);

		if (k < 0) {
			rc = FG_EIO;
			goto cleanup;
		}
		if (k == 0)
			break;
		for (ssize_t i = 0; i < k; i++) {
			char c = buf[i];

			if (c == '"')
				par ^= 1;
			else if (c == '\n')
				nb++;
			else if (c == '\r') {
				/* a CR followed by LF is counted at the LF (in this range or the next) */
				if (i + 1 < k)
					next = buf[i + 1];
				else if (read_at(fd, path, &next, 1, off + (uint64_t)k) != 1)
					next = 0;
				if (next != '\n')
					nb++;
			}
		}
		off += (uint64_t)k;
	}
	*parity = par;
	*breaks = nb;
	rc = FG_OK;
cleanup:
	fg_free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}

int fg_csv_next_boundary(uint64_t *out, const char *path, uint64_t from, unsigned parity_before,
                         uint64_t size)
{
	char *buf = NULL;
	unsigned par = parity_before;
	uint64_t off = from;
	int fd = -1, rc;

	*out = size;
	if (from >= size)
		return FG_OK;
	if ((rc = open_ro(&fd, path)) != FG_OK)
		return rc;
	if (!(buf = fg_malloc(SCAN_BLOCK))) {
		rc = fg_error_set(FG_ENOMEM, "%s: out of memory", path);
		goto cleanup;
	}
	while (off < size) {
		ssize_t k = read_at(fd, path, buf, SCAN_BLOCK, off);

		if (k < 0) {
			rc = FG_EIO;
			goto cleanup;
		}
		if (k == 0)
			break;
		for (ssize_t i = 0; i < k; i++) {
			if (buf[i] == '"')
				par ^= 1;
			else if (buf[i] == '\n' && !par) {
				*out = off + (uint64_t)i + 1;
				rc = FG_OK;
				goto cleanup;
			}
		}
		off += (uint64_t)k;
	}
	rc = FG_OK;
cleanup:
	fg_free(buf);
	if (fd >= 0)
		close(fd);
	return rc;
}
