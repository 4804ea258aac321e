/*
 * libFuzzer target: one POST /v1/score body through serve's request parser
 * (fg_serve_request_parse, engine/fg_serve_request.c).  Contract checked: either a
 * request within the documented limits, or an error with status 400, 413 or
 * 422 and a message; never a crash, a leak or an out-of-bounds access.  The
 * corpus (corpus/serve_request/) is replayed by tests/test_serve.c.
 */
#include "fg_error.h"
#include "fg_serve.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fg_serve_request *r = NULL;
	int status = 0;
	int rc = fg_serve_request_parse(&r, &status, NULL, (const char *)data, size);

	if (rc == FG_OK) {
		if (!r || fg_serve_request_n_entities(r) > FG_SERVE_MAX_ITEMS ||
		    fg_serve_request_n_links(r) > FG_SERVE_MAX_ITEMS)
			abort();
	} else if (r || (status != 400 && status != 413 && status != 422 && status != 500) ||
	           !fg_error_msg()[0]) {
		fprintf(stderr, "fuzz contract broken: rc %d status %d msg '%s'\n", rc, status, fg_error_msg());
		abort();
	}
	fg_serve_request_free(&r);
	return 0;
}
