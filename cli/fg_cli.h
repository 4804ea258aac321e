/*
 * The subcommands of the fraudgraph binary: one cmd_<name>.c each, listed in
 * the command table in main.c.  Each takes argv with argv[0] = the command
 * name, prints its own --help to stdout, and returns a process exit code
 * (FG_EXIT_* in fg_error.h).
 */
#ifndef FG_CLI_FG_CLI_H
#define FG_CLI_FG_CLI_H

int fg_cmd_run(int argc, char **argv);
int fg_cmd_check(int argc, char **argv);
int fg_cmd_gen(int argc, char **argv);
int fg_cmd_graphalytics(int argc, char **argv);
int fg_cmd_explain(int argc, char **argv);
int fg_cmd_report(int argc, char **argv);
int fg_cmd_evaluate(int argc, char **argv);
int fg_cmd_model(int argc, char **argv);

/* The exit-code table printed by --help of every command. */
extern const char fg_cli_exit_codes[];

/*
 * Print "fraudgraph: <message>" for the current error and return its exit
 * code (fg_error_exit_code).
 */
int fg_cli_fail(int code);

#endif
