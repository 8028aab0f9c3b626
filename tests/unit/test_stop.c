/* cli/stop: every way of being stopped becomes one stop level (signals raised for real, a
 * write to a closed pipe), and SIGPIPE never kills. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/stop.h"

static const cli_stop_messages quiet = { .cmd = "test" };   /* no sentences: stderr stays clean */

static void test_sigint_twice_then_level_2(void **state)
{
	(void)state;
	cli_stop_install(&quiet);
	assert_int_equal(*cli_stop_level(), 0);
	raise(SIGINT);
	assert_int_equal(*cli_stop_level(), 1);
	assert_int_equal(cli_stop_why(), CLI_STOP_SIGINT);
	raise(SIGINT);
	assert_int_equal(*cli_stop_level(), 2);
	raise(SIGINT);
	assert_int_equal(*cli_stop_level(), 2);
	cli_stop_uninstall();
}

static void test_term_and_hup_go_straight_to_2(void **state)
{
	(void)state;
	cli_stop_install(&quiet);
	raise(SIGTERM);
	assert_int_equal(*cli_stop_level(), 2);
	assert_int_equal(cli_stop_why(), CLI_STOP_SIGTERM);
	cli_stop_uninstall();
	cli_stop_install(&quiet);
	assert_int_equal(*cli_stop_level(), 0);
	raise(SIGHUP);
	assert_int_equal(*cli_stop_level(), 2);
	assert_int_equal(cli_stop_why(), CLI_STOP_SIGHUP);
	assert_non_null(strstr(cli_stop_reason_name(cli_stop_why()), "SIGHUP"));
	cli_stop_uninstall();
}

static void test_closed_pipe_is_a_stop_not_a_death(void **state)
{
	(void)state;
	cli_stop_install(&quiet);
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	close(fds[0]);   /* the reader went away (| head) */
	FILE *f = fdopen(fds[1], "w");
	assert_non_null(f);
	setvbuf(f, NULL, _IONBF, 0);
	int w = fprintf(f, "progress line\n");   /* SIGPIPE would kill us here by default */
	assert_true(w < 0);
	assert_int_equal(errno, EPIPE);
	cli_stop_check_write(f, w < 0);
	assert_int_equal(*cli_stop_level(), 2);
	assert_int_equal(cli_stop_why(), CLI_STOP_OUTPUT_LOST);
	fclose(f);
	cli_stop_uninstall();
}

static void test_nohup_is_respected(void **state)
{
	(void)state;
	signal(SIGHUP, SIG_IGN);   /* run under nohup: a hang-up is not a stop */
	cli_stop_install(&quiet);
	raise(SIGHUP);
	assert_int_equal(*cli_stop_level(), 0);
	cli_stop_uninstall();
	signal(SIGHUP, SIG_DFL);
}

/* A worker (fix's, snaptest's) reads the level while the handler raises it on the main thread,
 * as in a Ctrl-C during a fix. Plain here; under `make test-tsan` the old volatile
 * sig_atomic_t was a data race (reported between on_signal and the reader). */
static void *wait_for_level_2(void *arg)
{
	(void)arg;
	while (*cli_stop_level() < 2)
		usleep(1000);
	return NULL;
}

static void test_workers_see_the_level_rise(void **state)
{
	(void)state;
	cli_stop_install(&quiet);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, wait_for_level_2, NULL), 0);
	usleep(20000);
	raise(SIGINT);
	usleep(20000);
	raise(SIGINT);
	assert_int_equal(pthread_join(t, NULL), 0);   /* it saw 2, or this test hangs */
	assert_int_equal(*cli_stop_level(), 2);
	cli_stop_uninstall();
}

int main(void)
{
	/* The tests raise stop signals for real: start from the default dispositions even when the
	 * runner was started in the background of a shell, which ignores SIGINT for its children
	 * (cli_stop_install keeps an inherited ignore, as test_nohup_is_respected shows). */
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sigint_twice_then_level_2),
		cmocka_unit_test(test_term_and_hup_go_straight_to_2),
		cmocka_unit_test(test_closed_pipe_is_a_stop_not_a_death),
		cmocka_unit_test(test_nohup_is_respected),
		cmocka_unit_test(test_workers_see_the_level_rise),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
