/* How workers talk to the UI thread (tui/msgq.h): messages come out oldest first and whole,
 * every post wakes the poll on the pipe, the queue owns what it holds (valgrind checks the
 * frees), posts from several threads at once lose nothing and keep each thread's order, and a
 * poster of a big set in pieces keeps at most one piece waiting. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "tui/msgq.h"
#include "util/xalloc.h"

/* True when the UI's poll would wake now. */
static bool woken(msgq *q)
{
	struct pollfd p = { .fd = q->fds[0], .events = POLLIN };
	return poll(&p, 1, 0) == 1 && (p.revents & POLLIN);
}

static size_t count(const msg *m)
{
	size_t n = 0;
	for (; m; m = m->next)
		n++;
	return n;
}

static void free_list(msg *m)
{
	while (m) {
		msg *next = m->next;
		msg_free(m);
		m = next;
	}
}

static void test_messages_come_out_oldest_first_and_the_pipe_wakes(void **state)
{
	(void)state;
	msgq q;
	assert_int_equal(msgq_init(&q), 0);
	assert_false(woken(&q));
	assert_null(msgq_take(&q));

	msgq_log(&q, LOG_WARN, "scan of %d VMs", 24);
	assert_true(woken(&q));
	msg *conn = msg_new(MSG_CONN);
	conn->conn_ok = true;
	conn->text = xstrdup("connected");
	msgq_post(&q, conn);

	msgq_drain_pipe(&q);
	assert_false(woken(&q));
	msg *got = msgq_take(&q);
	assert_int_equal(count(got), 2);
	assert_int_equal(got->kind, MSG_LOG);
	assert_int_equal(got->level, LOG_WARN);
	assert_string_equal(got->text, "scan of 24 VMs");
	assert_int_equal(got->next->kind, MSG_CONN);
	assert_true(got->next->conn_ok);
	assert_null(msgq_take(&q));         /* taking empties the queue */
	free_list(got);

	/* a post after a take starts a new list */
	msgq_log(&q, LOG_INFO, "again");
	got = msgq_take(&q);
	assert_int_equal(count(got), 1);
	assert_string_equal(got->text, "again");
	free_list(got);
	msgq_done(&q);
}

static void test_a_full_pipe_never_blocks_a_poster(void **state)
{
	(void)state;
	msgq q;
	assert_int_equal(msgq_init(&q), 0);
	/* far more wake-ups than a pipe holds: each post returns (the pipe is non-blocking) */
	for (int i = 0; i < 200000; i++)
		msgq_wake(&q);
	msgq_log(&q, LOG_INFO, "still posted");
	assert_true(woken(&q));
	msgq_drain_pipe(&q);
	assert_false(woken(&q));
	msg *got = msgq_take(&q);
	assert_int_equal(count(got), 1);
	assert_string_equal(got->text, "still posted");
	free_list(got);
	msgq_done(&q);
}

static int freed;
static void free_data(void *data)
{
	freed++;
	free(data);
}

static void test_the_queue_frees_what_it_still_holds(void **state)
{
	(void)state;
	msgq q;
	assert_int_equal(msgq_init(&q), 0);
	/* a whole scan's result */
	msg *m = msg_new(MSG_SCAN_DONE);
	m->n = 2;
	m->facts = xcalloc(m->n, sizeof *m->facts);
	m->verdicts = xcalloc(m->n, sizeof *m->verdicts);
	for (size_t i = 0; i < m->n; i++) {
		model_vm_facts_init(&m->facts[i]);
		m->facts[i].moref = xstrdup(i ? "vm-2" : "vm-1");
		m->facts[i].name = xstrdup("sql");
		model_verdict_init(&m->verdicts[i]);
		model_verdict_add(&m->verdicts[i], "R07", SEVERITY_ERROR, LEVEL_NONE, FIX_AUTO,
				  "disk.EnableUUID is absent.",
				  "disk.EnableUUID: absent");
	}
	msgq_post(&q, m);
	/* early rows, VMs gone, a task's failure, a job's result never delivered */
	m = msg_new(MSG_SCAN_ROWS);
	m->n = 1;
	m->facts = xcalloc(1, sizeof *m->facts);
	model_vm_facts_init(&m->facts[0]);
	m->facts[0].moref = xstrdup("vm-3");
	m->probing = xcalloc(1, sizeof *m->probing);
	msgq_post(&q, m);
	m = msg_new(MSG_VM_GONE);
	m->n = 1;
	m->morefs = xcalloc(1, sizeof *m->morefs);
	m->morefs[0] = xstrdup("vm-4");
	msgq_post(&q, m);
	m = msg_new(MSG_TASK);
	m->state = TASK_FAILED;
	m->text = xstrdup("powering on");
	m->error = xstrdup("the host is gone");
	msgq_post(&q, m);
	freed = 0;
	m = msg_new(MSG_CALL);
	m->data = xstrdup("the plan");
	m->free_data = free_data;
	msgq_post(&q, m);
	msgq_done(&q);   /* the UI exits with them queued: everything freed (valgrind) */
	assert_int_equal(freed, 1);
}

enum { POSTERS = 4, EACH = 2000 };

static void *poster(void *arg)
{
	msgq *q = arg;
	static int next_id;
	int id = __atomic_fetch_add(&next_id, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < EACH; i++) {
		msg *m = msg_new(MSG_TASK);
		m->task_id = id;
		m->done = i;
		msgq_post(q, m);
	}
	return NULL;
}

/* The UI's loop: take what is queued, else wait for the next wake-up (bounded). */
static msg *take_or_wait(msgq *q)
{
	msg *got;
	while (!(got = msgq_take(q))) {
		struct pollfd p = { .fd = q->fds[0], .events = POLLIN };
		assert_int_equal(poll(&p, 1, 30000), 1);
		msgq_drain_pipe(q);
	}
	return got;
}

static void test_posts_from_many_threads_lose_nothing(void **state)
{
	(void)state;
	msgq q;
	assert_int_equal(msgq_init(&q), 0);
	pthread_t t[POSTERS];
	for (int i = 0; i < POSTERS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, poster, &q), 0);
	int next[POSTERS] = { 0 };
	size_t total = 0;
	while (total < (size_t)POSTERS * EACH) {
		msg *got = take_or_wait(&q);
		for (msg *m = got; m; m = m->next) {
			assert_in_range(m->task_id, 0, POSTERS - 1);
			assert_int_equal(m->done, next[m->task_id]);   /* each thread's order kept */
			next[m->task_id]++;
			total++;
		}
		free_list(got);
	}
	for (int i = 0; i < POSTERS; i++)
		pthread_join(t[i], NULL);
	assert_null(msgq_take(&q));
	assert_int_equal(total, (size_t)POSTERS * EACH);
	for (int i = 0; i < POSTERS; i++)
		assert_int_equal(next[i], EACH);
	msgq_done(&q);
}

enum { PIECES = 20, PIECE = 50 };

static atomic_bool stop_posting;

/* The watcher's way with a big set: a piece posted once the UI has taken the one before. */
static void *piece_poster(void *arg)
{
	msgq *q = arg;
	for (int p = 0; p < PIECES; p++) {
		msg *m = msg_new(MSG_VM_UPDATE);
		m->n = PIECE;
		m->facts = xcalloc(PIECE, sizeof *m->facts);
		for (size_t i = 0; i < m->n; i++)
			model_vm_facts_init(&m->facts[i]);
		m->done = p;
		msgq_wait_facts_below(q, 1, &stop_posting);
		msgq_post(q, m);
	}
	return NULL;
}

static void test_a_big_set_waits_for_the_ui_piece_by_piece(void **state)
{
	(void)state;
	msgq q;
	assert_int_equal(msgq_init(&q), 0);
	atomic_store(&stop_posting, false);
	pthread_t t;
	assert_int_equal(pthread_create(&t, NULL, piece_poster, &q), 0);
	int next = 0;
	while (next < PIECES) {
		msg *got = take_or_wait(&q);
		/* never more than one piece waiting: the copies do not pile up */
		assert_int_equal(count(got), 1);
		assert_int_equal(got->done, next++);
		free_list(got);
	}
	pthread_join(t, NULL);

	/* a poster told to stop does not wait for a UI that no longer takes */
	msg *m = msg_new(MSG_VM_UPDATE);
	m->n = 1;
	m->facts = xcalloc(1, sizeof *m->facts);
	model_vm_facts_init(&m->facts[0]);
	msgq_post(&q, m);
	atomic_store(&stop_posting, true);
	msgq_wait_facts_below(&q, 1, &stop_posting);
	msgq_done(&q);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_messages_come_out_oldest_first_and_the_pipe_wakes),
		cmocka_unit_test(test_a_full_pipe_never_blocks_a_poster),
		cmocka_unit_test(test_the_queue_frees_what_it_still_holds),
		cmocka_unit_test(test_posts_from_many_threads_lose_nothing),
		cmocka_unit_test(test_a_big_set_waits_for_the_ui_piece_by_piece),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
