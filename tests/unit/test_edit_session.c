/* test_edit_session.c: the shared draft and refused-save session of the note and
 * rationale editors (edit_session.h), without curses: drafts with and without a
 * side draft, holding a conflict (theirs moved in, NULL fields safe), keeping mine. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/edit_session.h"
#include "qrel/util.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

/* A scratch store in its own folder: the draft table is all these tests need. */
struct scratch {
	char dir[FIXTURE_DIR], path[FIXTURE_PATH];
	struct db *db;
};

static int
scratch_open(void **state)
{
	struct scratch *f = calloc(1, sizeof(*f));

	*state = f;
	return fixture_db(f->dir, "/tmp/qrel-edit-XXXXXX", f->path, &f->db);
}

static int
scratch_close(void **state)
{
	struct scratch *f = *state;
	int rc = fixture_remove(f->dir, f->db);

	free(f);
	return rc;
}

static void
test_drafts(void **state)
{
	struct scratch *f = *state;
	struct edit_session note = { 0 }, rationale = { 0 };
	char *text, *side;

	edit_session_begin(&note, "note:u1", "note:u1:tags", 3);
	edit_session_begin(&rationale, "rationale:1:2:team", NULL, 0);
	assert_int_equal(note.version, 3);
	text = edit_session_restore(&note, f->db, "Ray", &side);
	assert_null(text);
	assert_null(side);
	assert_int_equal(edit_session_keep(&note, f->db, "Ray", "half a thought, é", "7 growth 1,2 voices=students"),
			 QREL_OK);
	assert_int_equal(edit_session_keep(&rationale, f->db, "Ray", "Équipe", "ignored: no side draft"), QREL_OK);
	text = edit_session_restore(&note, f->db, "Ray", &side);
	assert_string_equal(text, "half a thought, é");
	assert_string_equal(side, "7 growth 1,2 voices=students");
	free(text);
	free(side);
	/* Another person's drafts are their own. */
	assert_null(edit_session_restore(&note, f->db, "Zoë", NULL));
	text = edit_session_restore(&rationale, f->db, "Ray", &side);
	assert_string_equal(text, "Équipe");
	assert_null(side);
	free(text);
	assert_int_equal(edit_session_discard(&note, f->db, "Ray"), QREL_OK);
	assert_null(edit_session_restore(&note, f->db, "Ray", &side));
	assert_null(side);
	/* The rationale's draft is not the note's. */
	text = edit_session_restore(&rationale, f->db, "Ray", NULL);
	assert_string_equal(text, "Équipe");
	free(text);
}

static void
test_conflict(void **state)
{
	struct edit_session s = { 0 };
	char *theirs = xstrdup("their text");

	UNUSED(state);
	edit_session_begin(&s, "note:u1", NULL, 1);
	edit_session_hold(&s, "my text", &theirs, "Lena Lead", "2026-03-02T10:02:00Z", 2, "strength");
	assert_null(theirs);	/* moved */
	assert_true(s.cf.active);
	assert_string_equal(s.cf.mine, "my text");
	assert_string_equal(s.cf.theirs, "their text");
	assert_string_equal(s.cf.by, "Lena Lead");
	assert_string_equal(s.cf.at, "10:02");
	assert_string_equal(s.cf.detail, "strength");
	assert_int_equal(s.version, 1);	/* the save still expects the old one */
	edit_session_take_mine(&s);
	assert_false(s.cf.active);
	assert_int_equal(s.version, 2);	/* now it replaces theirs knowingly */
	assert_null(s.cf.mine);
	/* Nothing known about theirs (the NULL one screen did not check). */
	edit_session_hold(&s, NULL, NULL, NULL, NULL, 5, NULL);
	assert_string_equal(s.cf.mine, "");
	assert_null(s.cf.theirs);
	assert_string_equal(s.cf.by, "");
	assert_string_equal(s.cf.at, "");
	/* A second refusal replaces the first. */
	theirs = xstrdup("newer");
	edit_session_hold(&s, "mine again", &theirs, "Rita", "yesterday", 6, "level 2");
	assert_string_equal(s.cf.theirs, "newer");
	assert_string_equal(s.cf.at, "yesterday");
	edit_session_end_conflict(&s);
	assert_false(s.cf.active);
	edit_session_take_mine(&s);	/* no conflict: the version stays */
	assert_int_equal(s.version, 2);
}

static void
test_clock(void **state)
{
	char out[32];

	UNUSED(state);
	edit_session_clock("2026-03-02T10:02:00Z", out, sizeof(out));
	assert_string_equal(out, "10:02");
	edit_session_clock("2026-03-02", out, sizeof(out));
	assert_string_equal(out, "2026-03-02");
	edit_session_clock(NULL, out, sizeof(out));
	assert_string_equal(out, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_drafts, scratch_open, scratch_close),
		cmocka_unit_test(test_conflict),
		cmocka_unit_test(test_clock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
