/*
 * fg_opt: table-driven option parsing and --help (see fg_opt.h).
 */
#include "fg_opt.h"

#include "fg_cli.h"
#include "fg_error.h"

#include <stdlib.h>
#include <string.h>

#define EXIT_LINE(name, value, text) "  " #value "  " text "\n"
const char fg_cli_exit_codes[] = "Exit codes:\n" FG_EXIT_CODES(EXIT_LINE);
#undef EXIT_LINE

void fg_opt_init(fg_opt_parser *p, const char *command, const fg_opt_spec *specs, int argc,
                 char **argv)
{
	memset(p, 0, sizeof(*p));
	p->command = command;
	p->specs = specs;
	p->argc = argc;
	p->argv = argv;
	p->idx = 1;
}

/* The option named name[0..len), or NULL. */
static const fg_opt_spec *find(const fg_opt_spec *specs, const char *name, size_t len)
{
	for (const fg_opt_spec *s = specs; s->type != FG_OPT_END; s++)
		if (s->type != FG_OPT_SECTION && strlen(s->name) == len && !memcmp(s->name, name, len))
			return s;
	return NULL;
}

int fg_opt_next(fg_opt_parser *p)
{
	const fg_opt_spec *s;
	const char *arg, *name, *eq;
	size_t len;

	p->value = NULL;
	p->name = NULL;
	if (p->idx >= p->argc)
		return 0;
	arg = p->argv[p->idx++];
	if (p->only_args || arg[0] != '-' || !arg[1]) {
		/* "-" alone is an argument (stdin), as everywhere in Unix. */
		p->id = FG_OPT_ARG;
		p->value = arg;
		return 1;
	}
	if (!strcmp(arg, "--")) {
		p->only_args = 1;
		return fg_opt_next(p);
	}
	if (!strcmp(arg, "-h") || !strcmp(arg, "--help")) {
		p->id = FG_OPT_HELP;
		p->name = "help";
		return 1;
	}
	if (arg[1] != '-')
		return fg_error_set(FG_EUSAGE, "unknown option '%s' (see fraudgraph %s --help)", arg,
		                    p->command);
	name = arg + 2;
	eq = strchr(name, '=');
	len = eq ? (size_t)(eq - name) : strlen(name);
	s = find(p->specs, name, len);
	if (!s)
		return fg_error_set(FG_EUSAGE, "unknown option '--%.*s' (see fraudgraph %s --help)",
		                    (int)len, name, p->command);
	p->id = s->id;
	p->name = s->name;
	if (s->type == FG_OPT_SWITCH) {
		if (eq)
			return fg_error_set(FG_EUSAGE, "option --%s takes no value, got '%s'", s->name, eq + 1);
		return 1;
	}
	if (eq) {
		p->value = eq + 1;
	} else {
		if (p->idx >= p->argc)
			return fg_error_set(FG_EUSAGE, "option --%s needs a value (%s)", s->name,
			                    s->value_name ? s->value_name : "VALUE");
		p->value = p->argv[p->idx++];
	}
	return 1;
}

int fg_opt_u64(uint64_t *out, const fg_opt_parser *p, uint64_t lo, uint64_t hi)
{
	const char *s = p->value ? p->value : "";
	char *end;
	unsigned long long v;

	if (!*s || *s == '-' || *s == '+' || *s == ' ')
		return fg_error_set(FG_EUSAGE, "--%s expects an integer in [%llu, %llu], got '%s'",
		                    p->name, (unsigned long long)lo, (unsigned long long)hi, s);
	v = strtoull(s, &end, 10);
	if (*end || v < lo || v > hi)
		return fg_error_set(FG_EUSAGE, "--%s expects an integer in [%llu, %llu], got '%s'",
		                    p->name, (unsigned long long)lo, (unsigned long long)hi, s);
	*out = v;
	return FG_OK;
}

int fg_opt_int(int *out, const fg_opt_parser *p, int lo, int hi)
{
	uint64_t v = 0;
	int rc;

	if (lo < 0)
		return fg_error_set(FG_EUSAGE, "--%s: negative bounds are not supported", p->name);
	if ((rc = fg_opt_u64(&v, p, (uint64_t)lo, (uint64_t)hi)) != FG_OK)
		return rc;
	*out = (int)v;
	return FG_OK;
}

int fg_opt_double(double *out, const fg_opt_parser *p, double lo, double hi)
{
	const char *s = p->value ? p->value : "";
	char *end;
	double v;

	v = strtod(s, &end);
	if (!*s || *end || !(v >= lo && v <= hi))
		return fg_error_set(FG_EUSAGE, "--%s expects a number in [%g, %g], got '%s'", p->name,
		                    lo, hi, s);
	*out = v;
	return FG_OK;
}

/* Width of the option column: "  --name VALUE" padded to the widest, capped. */
static int column_width(const fg_opt_spec *specs)
{
	int w = 0;

	for (const fg_opt_spec *s = specs; s->type != FG_OPT_END; s++) {
		int n;
		if (s->type == FG_OPT_SECTION)
			continue;
		n = 4 + (int)strlen(s->name);
		if (s->type == FG_OPT_VALUE)
			n += 1 + (int)strlen(s->value_name ? s->value_name : "VALUE");
		if (n > w)
			w = n;
	}
	return w > 26 ? 26 : w;
}

void fg_opt_help(FILE *f, const char *usage, const char *about, const fg_opt_spec *specs)
{
	int w = column_width(specs);
	int printed_heading = 0;

	fprintf(f, "%s\n", usage);
	if (about && *about)
		fprintf(f, "\n%s\n", about);
	for (const fg_opt_spec *s = specs; s->type != FG_OPT_END; s++) {
		char left[128];
		const char *h;
		int n;

		if (s->type == FG_OPT_SECTION) {
			fprintf(f, "\n%s\n", s->name);
			printed_heading = 1;
			continue;
		}
		if (!printed_heading) {
			fprintf(f, "\nOptions:\n");
			printed_heading = 1;
		}
		if (s->type == FG_OPT_VALUE)
			n = snprintf(left, sizeof(left), "  --%s %s", s->name,
			             s->value_name ? s->value_name : "VALUE");
		else
			n = snprintf(left, sizeof(left), "  --%s", s->name);
		if (n > w)
			fprintf(f, "%s\n%*s", left, w + 2, "");
		else
			fprintf(f, "%-*s  ", w, left);
		/* help text; '\n' continues on an indented line */
		for (h = s->help ? s->help : ""; *h; h++) {
			fputc(*h, f);
			if (*h == '\n')
				fprintf(f, "%*s", w + 2, "");
		}
		if (s->dflt)
			fprintf(f, " (default %s)", s->dflt);
		fputc('\n', f);
	}
	if (!printed_heading)
		fprintf(f, "\nOptions:\n");
	fprintf(f, "%-*s  this text\n\n%s", w, "  --help", fg_cli_exit_codes);
}
