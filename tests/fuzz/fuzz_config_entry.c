/*
 * fg_fuzz_config: one `--config FILE` through `run`'s option parser
 * (cli/run_args.c, which hands every value to src/fg_config.c's setters).
 * See fuzz_entries.h.
 *
 * The contract checked on every input:
 * - the result is FG_OK, 1 (a `help` line), or an FG_E* code with a message
 *   that names the file (every error of a --config line is prefixed with
 *   "--config PATH"), except the checks made after the whole command line
 *   is read (no input, --as-of without --window, ...), which name options;
 * - on FG_OK the configuration is sane: counts within their arrays, kind
 *   names NUL-terminated, non-empty and lower-case, weights positive, alias
 *   targets never themselves aliases, and runs.params (fg_config_to_json)
 *   is valid JSON (SQLite's json_valid decides);
 * - nothing leaks (fg_run_args_free; LeakSanitizer under libFuzzer and the
 *   ASan build).
 * A `config PATH` line nests another file; the entry's file naming itself
 * stops at the documented depth of 4.
 */
#include "fuzz_entries.h"

#include "fg_alloc.h"
#include "fg_config.h"
#include "fg_error.h"
#include "run_args.h"

#include <ctype.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Errors of fg_run_args_parse made after the options are read: they name options, not the file. */
static bool late_check(const char *msg)
{
	static const char *const pre[] = { "no input: ", "--edges-sql and --users-sql need",
	                                   "--as-of only makes sense", "--model and --no-model" };

	for (size_t i = 0; i < sizeof(pre) / sizeof(pre[0]); i++)
		if (!strncmp(msg, pre[i], strlen(pre[i])))
			return true;
	return false;
}

static bool name_ok(const char *s, size_t cap)
{
	size_t n = strnlen(s, cap);

	if (n == 0 || n == cap)
		return false;
	for (size_t i = 0; i < n; i++)
		if (isupper((unsigned char)s[i]))
			return false;
	return true;
}

static bool json_valid(const char *text)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	bool ok = false;

	FUZZ_CHECK(sqlite3_open(":memory:", &db) == SQLITE_OK);
	FUZZ_CHECK(sqlite3_prepare_v2(db, "SELECT json_valid(?1)", -1, &st, NULL) == SQLITE_OK);
	sqlite3_bind_text(st, 1, text, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		ok = sqlite3_column_int(st, 0) == 1;
	sqlite3_finalize(st);
	sqlite3_close(db);
	return ok;
}

static void check_config(const fg_config *cfg)
{
	char *json = NULL;

	FUZZ_CHECK(cfg->n_kinds >= 0 && cfg->n_kinds <= FG_MAX_KINDS);
	FUZZ_CHECK(cfg->n_aliases >= 0 && cfg->n_aliases <= FG_MAX_ALIASES);
	FUZZ_CHECK(cfg->n_ignores >= 0 && cfg->n_ignores <= FG_MAX_IGNORES);
	for (int i = 0; i < cfg->n_kinds; i++) {
		FUZZ_CHECK(name_ok(cfg->kinds[i].name, FG_KIND_NAME_MAX));
		FUZZ_CHECK(cfg->kinds[i].weight > 0);
	}
	for (int i = 0; i < cfg->n_aliases; i++) {
		size_t n;
		const fg_kind_alias *a = &cfg->aliases[i];
		FUZZ_CHECK(name_ok(a->alias, FG_KIND_NAME_MAX) && name_ok(a->kind, FG_KIND_NAME_MAX));
		/* no chains: the target resolves to itself */
		FUZZ_CHECK(!strcmp(fg_config_kind_canonical(&n, cfg, a->kind, strlen(a->kind)), a->kind));
	}
	for (int i = 0; i < cfg->n_ignores; i++)
		FUZZ_CHECK(strnlen(cfg->ignores[i].value, FG_IGNORE_VALUE_MAX) < FG_IGNORE_VALUE_MAX);
	FUZZ_CHECK(fg_config_to_json(&json, cfg) == FG_OK);
	FUZZ_CHECK(json_valid(json));
	fg_free(json);
}

int fg_fuzz_config(const uint8_t *data, size_t size)
{
	const char *path = fg_fuzz_config_file(data, size);
	char *argv[] = { (char *)"run", (char *)"--config", (char *)path, NULL };
	fg_run_args a;
	int rc;

	fg_error_clear();
	fg_run_args_init(&a, "run");
	rc = fg_run_args_parse(&a, 3, argv, false);
	if (rc == 1) {
		rc = FG_OK; /* a `help` line: the command prints --help and exits 0 */
	} else if (rc == FG_OK) {
		check_config(&a.ro.cfg);
	} else {
		const char *msg = fg_error_msg();
		FUZZ_CHECK(rc < 0 && msg[0] != '\0');
		FUZZ_CHECK(strstr(msg, path) != NULL || late_check(msg));
	}
	fg_run_args_free(&a);
	return rc;
}
