/* PLACEHOLDER during the first build-out: replaced by the real command. */
#include "fg_cli.h"

#include "fg_error.h"

int fg_cmd_graphalytics(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	return fg_cli_fail(fg_error_set(FG_ERROR, "'graphalytics' is not built yet"));
}
