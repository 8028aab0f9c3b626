/* Unit tests for core/frontend/args: the option loop every command and the console share.
 * Shared options go to the connection, -h/--help prints the usage, the rest reach the
 * command's own parser in order with its value, and the first error ends the loop. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "frontend/args.h"

typedef struct {
	char seen[256];
} own_opts;

static int usages;

static void usage(FILE *out)
{
	(void)out;
	usages++;
}

/* --x, --v VALUE and a positional word are this command's; --bad is refused. */
static int own(void *p, const char *a, int argc, char **argv, int *i)
{
	own_opts *o = p;
	if (!strcmp(a, "--bad"))
		return -1;
	if (!strcmp(a, "--v")) {
		const char *v = cmd_option_value("test", argc, argv, i);
		if (!v)
			return -1;
		strcat(o->seen, "v=");
		strcat(o->seen, v);
	} else {
		strcat(o->seen, a);
	}
	strcat(o->seen, ";");
	return 0;
}

static int parse(conn_opts *c, own_opts *o, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	return cmd_parse_args("test", c, argc, argv, usage, own, o);
}

static void test_loop(void **state)
{
	(void)state;
	conn_opts c;
	conn_opts_init(&c);
	own_opts o = { .seen = "" };
	char *ok[] = { "test", "--x", "--server", "vc01.example.com", "--v", "7", "word", NULL };
	assert_int_equal(parse(&c, &o, ok), 0);
	assert_string_equal(o.seen, "--x;v=7;word;");
	assert_string_equal(c.server, "vc01.example.com");
	conn_opts_done(&c);

	conn_opts_init(&c);
	o.seen[0] = '\0';
	usages = 0;
	char *help[] = { "test", "--x", "-h", "--bad", NULL };
	assert_int_equal(parse(&c, &o, help), 1);
	assert_int_equal(usages, 1);
	assert_string_equal(o.seen, "--x;");   /* nothing after --help is read */

	o.seen[0] = '\0';
	char *bad[] = { "test", "--bad", "--x", NULL };
	assert_int_equal(parse(&c, &o, bad), -1);
	assert_string_equal(o.seen, "");

	char *novalue[] = { "test", "--x", "--v", NULL };
	assert_int_equal(parse(&c, &o, novalue), -1);
	char *noserver[] = { "test", "--server", NULL };
	assert_int_equal(parse(&c, &o, noserver), -1);
	conn_opts_done(&c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_loop),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
