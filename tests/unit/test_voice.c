/* test_voice.c: stakeholder groups of activities and notes, and triangulation by
 * source type and stakeholder group, recomputed from the raw rows. */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "qrel/activity.h"
#include "qrel/dashboard.h"
#include "qrel/db.h"
#include "qrel/evidence.h"
#include "qrel/report.h"
#include "qrel/settings.h"
#include "qrel/store.h"
#include "qrel/visibility.h"
#include "qrel/voice.h"

static const char fixture_sql[] =
	FIXTURE_FRAMEWORK_SQL
	"INSERT INTO cluster(framework_id, domain_id, code, title, position) VALUES "
	"(1, 1, '1.1', 'Achievement', 1), (1, 1, '1.2', 'Access', 2);"
	"INSERT INTO stakeholder_group(framework_id, code, title, position) VALUES "
	"(1, 'students', 'Students', 1), (1, 'families', 'Families', 2), (1, 'teachers', 'Teachers', 3), "
	"(1, 'support_staff', 'Support staff', 4);";

static const char people_sql[] =
	FIXTURE_MAPLE_OAK_SQL
	"INSERT INTO person(uuid, review_id, name, role, site_id) VALUES "
	"('90000000-0000-4000-8000-000000000004', 1, 'Olga Observer', 'observer', NULL);";

static int
setup(void **state)
{
	setenv("QREL_NOW", "2024-05-01T10:00:00Z", 1);
	return maple_setup(state, "/tmp/qrel-voice-XXXXXX", fixture_sql, people_sql);
}

static int64_t
activity(struct maple *f, int64_t site, const char *source, const char *groups)
{
	struct activity_input in = { .site = site, .source = source, .held_at = "2024-04-10T10:00",
		.description = "an activity", .voice = { .groups = groups } };
	int64_t id = 0;

	assert_int_equal(activity_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_OK);
	return id;
}

static int64_t
note(struct maple *f, int64_t site, int64_t act, const char *source, const char *groups, int64_t cluster)
{
	struct note_input in = { .site = site, .activity = act, .source = source, .text = "evidence",
		.voices = groups, .cluster = { cluster }, .nclusters = 1 };
	int64_t id = 0;

	assert_int_equal(evidence_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_OK);
	return id;
}

static void
test_parse(void **state)
{
	struct maple *f = *state;
	char out[VOICE_LIST_MAX];

	assert_int_equal(voice_parse(f->db, f->review, " Families;students , families", out, sizeof(out)), QREL_OK);
	assert_string_equal(out, "students,families");	/* framework order, each once */
	assert_int_equal(voice_parse(f->db, f->review, "", out, sizeof(out)), QREL_OK);
	assert_string_equal(out, "");
	assert_int_equal(voice_parse(f->db, f->review, "students,pupils", out, sizeof(out)), QREL_PARSE);
	assert_non_null(strstr(error_message(), "'pupils'"));
	assert_non_null(strstr(error_message(), "support_staff"));
}

static void
test_activity_voice(void **state)
{
	struct maple *f = *state;
	struct activity_input in = { .site = f->s1, .source = "focus_group", .held_at = "2024-04-10",
		.description = "Families, evening", .voice = { "families", 12, "es", 1 } };
	struct voice_activity va;
	int64_t id;

	assert_int_equal(activity_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_OK);
	assert_int_equal(voice_activity_get(f->db, id, &va), QREL_OK);
	assert_string_equal(va.groups, "families");
	assert_int_equal(va.participants, 12);
	assert_string_equal(va.language, "es");
	assert_true(va.interpreter);
	/* An edit changes only what it gives. */
	assert_int_equal(activity_edit(f->db, f->review, "Ray Viewer", id,
				       &(struct activity_input){ .voice = { .groups = "students,families" } }), QREL_OK);
	assert_int_equal(voice_activity_get(f->db, id, &va), QREL_OK);
	assert_string_equal(va.groups, "students,families");
	assert_int_equal(va.participants, 12);
	assert_true(va.interpreter);
	assert_int_equal(db_int(f->db, "SELECT count(*) FROM change_log WHERE field = 'groups'"), 2);
	in.voice.language = "es; DROP";
	assert_int_equal(activity_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_PARSE);
	in.voice = (struct voice_input){ .groups = "pupils" };
	assert_int_equal(activity_add(f->db, f->review, "Ray Viewer", &in, &id), QREL_PARSE);
	assert_int_equal(db_int(f->db, "SELECT count(*) FROM activity"), 1);	/* refusals add nothing */
	/* The gate: an observer writes nothing. */
	in.voice = (struct voice_input){ .groups = "students" };
	assert_int_equal(activity_add(f->db, f->review, "Olga Observer", &in, &id), QREL_DENIED);
}

static void
test_note_groups(void **state)
{
	struct maple *f = *state;
	int64_t act = activity(f, f->s1, "focus_group", "families");
	int64_t own = note(f, f->s1, act, "focus_group", "teachers", f->c11);
	int64_t inherits = note(f, f->s1, act, "focus_group", NULL, f->c11);
	char out[VOICE_LIST_MAX];

	assert_int_equal(voice_note_groups(f->db, own, out, sizeof(out)), QREL_OK);
	assert_string_equal(out, "teachers");
	assert_int_equal(voice_note_groups(f->db, inherits, out, sizeof(out)), QREL_OK);
	assert_string_equal(out, "");
	/* Another reviewer may not change Ray's note; the author may, and "" clears. */
	assert_int_equal(voice_edit_note(f->db, f->review, "Zoë Ríos", own, "students"), QREL_DENIED);
	assert_int_equal(voice_edit_note(f->db, f->review, "Ray Viewer", own, "students"), QREL_OK);
	assert_int_equal(voice_note_groups(f->db, own, out, sizeof(out)), QREL_OK);
	assert_string_equal(out, "students");
	assert_int_equal(voice_edit_note(f->db, f->review, "Ray Viewer", own, ""), QREL_OK);
	assert_int_equal(voice_note_groups(f->db, own, out, sizeof(out)), QREL_OK);
	assert_string_equal(out, "");
}

/* The groups heard at (site, cluster), straight from the rows: a live note's own
 * groups, else its activity's. */
static long long
raw_heard(struct maple *f, int64_t site, int64_t cluster)
{
	static const char sql[] =
		"SELECT count(DISTINCT g) FROM (SELECT ng.grp AS g FROM note n JOIN note_cluster nc ON nc.note_id = n.id "
		"JOIN note_group ng ON ng.note_id = n.id WHERE n.site_id = ?1 AND nc.cluster_id = ?2 "
		"AND n.deleted_at IS NULL UNION ALL SELECT ag.grp FROM note n JOIN note_cluster nc ON nc.note_id = n.id "
		"JOIN activity_group ag ON ag.activity_id = n.activity_id WHERE n.site_id = ?1 AND nc.cluster_id = ?2 "
		"AND n.deleted_at IS NULL AND NOT EXISTS (SELECT 1 FROM note_group x WHERE x.note_id = n.id))";
	sqlite3_stmt *st = db_stmt(f->db, sql);
	long long v;

	assert_non_null(st);
	sqlite3_bind_int64(st, 1, site);
	sqlite3_bind_int64(st, 2, cluster);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return v;
}

static void
test_triangulation(void **state)
{
	struct maple *f = *state;
	int64_t fg = activity(f, f->s1, "focus_group", "students,families");
	int64_t iv = activity(f, f->s1, "interview", "support_staff");
	int64_t gone;
	char heard[VOICE_LIST_MAX], text[200];
	struct dash_frame fr;
	struct dash_site sites[2];
	struct dash_cell cells[4];
	struct vis_viewer v;
	int n, ns;

	note(f, f->s1, fg, "focus_group", NULL, f->c11);		/* students, families (the activity's) */
	note(f, f->s1, iv, "interview", "teachers", f->c11);		/* teachers (its own) */
	note(f, f->s1, 0, "document_review", NULL, f->c11);		/* no voice */
	gone = note(f, f->s1, iv, "interview", NULL, f->c11);		/* support staff, then deleted */
	note(f, f->s2, 0, "survey", "support_staff", f->c11);	/* another site */
	note(f, f->s1, 0, "survey", "support_staff", f->c12);		/* another cluster */
	assert_int_equal(evidence_delete(f->db, f->review, "Ray Viewer", gone), QREL_OK);

	assert_int_equal(voice_heard(f->db, f->review, f->s1, f->c11, heard, sizeof(heard), &n), QREL_OK);
	assert_int_equal(n, raw_heard(f, f->s1, f->c11));
	assert_int_equal(n, 3);
	assert_string_equal(heard, "students,families,teachers");
	voice_triangulation_text(3, n, heard, text, sizeof(text));
	assert_string_equal(text, "3 source types, 3 stakeholder groups: students, families, teachers");
	voice_triangulation_text(1, 0, "", text, sizeof(text));
	assert_string_equal(text, "1 source type, no stakeholder group");

	/* The report's cells count the same. */
	assert_int_equal(dash_frame_load(f->db, f->review, &fr), QREL_OK);
	assert_int_equal(fr.ngrp, 4);
	assert_int_equal(dash_sites(f->db, f->review, 0, 2, sites, &ns), QREL_OK);
	assert_int_equal(visibility_viewer(f->db, f->review, "Ann Lead", &v), QREL_OK);
	assert_int_equal(dash_fill(f->db, f->review, &fr, sites, ns, 0, &v, cells), QREL_OK);
	assert_int_equal(dash_group_count(&cells[0]), raw_heard(f, f->s1, f->c11));
	assert_int_equal(dash_source_count(&cells[0]), 3);
	dash_voice_text(&fr, &cells[0], text, sizeof(text));
	assert_string_equal(text, "3 source types, 3 stakeholder groups: students, families, teachers");
	assert_int_equal(dash_group_count(&cells[1]), raw_heard(f, f->s1, f->c12));
	assert_int_equal(dash_group_count(&cells[2]), raw_heard(f, f->s2, f->c11));
	assert_int_equal(dash_group_count(&cells[2]), 1);
	dash_frame_free(&fr);
}

/* The report reads the notes in a pass of its own: its cells, its consensus
 * text and its method section agree with the raw rows. */
static void
test_report_counts(void **state)
{
	struct maple *f = *state;
	int64_t fg = activity(f, f->s1, "focus_group", "students,families");
	struct settings set;
	struct report r;
	struct report_options o = { .quotes = 2, .settings = &set, .viewer = "Ann Lead" };
	char text[512];

	note(f, f->s1, fg, "focus_group", NULL, f->c11);
	note(f, f->s1, 0, "interview", "teachers", f->c11);
	assert_int_equal(db_exec(f->db, "INSERT INTO score(uuid, review_id, site_id, cluster_id, rater_id, kind, level, "
				 "updated_at) VALUES ('c0000000-0000-4000-8000-000000000001', 1, 1, 1, 1, 'consensus', 2, "
				 "'2024-05-01T10:00:00Z')"), QREL_OK);
	settings_default(&set);
	assert_int_equal(report_build(f->db, f->review, &o, &r), QREL_OK);
	assert_int_equal(dash_group_count(&r.cell[0]), raw_heard(f, f->s1, f->c11));
	assert_true(report_consensus_text(&r, 0, 0, text, sizeof(text)));
	assert_non_null(strstr(text, "(evidence: 2 source types, 3 stakeholder groups: students, families, teachers)"));
	assert_int_equal(r.voice_activities[0], 1);	/* students: the focus group */
	assert_int_equal(r.voice_activities[2], 0);	/* teachers: a note's, not an activity's */
	report_free(&r);
	settings_free(&set);
}

int
main(void)
{
#define T(name) cmocka_unit_test_setup_teardown(name, setup, maple_teardown)
	const struct CMUnitTest tests[] = {
		T(test_parse), T(test_activity_voice), T(test_note_groups), T(test_triangulation), T(test_report_counts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
