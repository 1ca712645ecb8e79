/* test_findings.c: findings and recommendations: who may write, citations and links, a recommendation
 * becoming a plan objective, finalising and reopening, the change log, and CSV import all or nothing. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/findings.h"
#include "qrel/framework.h"
#include "qrel/plan.h"
#include "qrel/store.h"
#include "qrel/visibility.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>
#include <unistd.h>

#define NOW "2026-03-02T10:00:00Z"
#define LEAD "Lena Lead"
#define REVIEWER "Rémi Reviewer"

struct fx {
	char dir[FIXTURE_DIR];
	struct db *db;
	int64_t review, a, c1, n1, n2;
};

static const char fixture_sql[] =
	"INSERT INTO site(uuid, review_id, code, name, kind) VALUES ('s-a', 1, 'A', 'Alder School', 'school');"
	"INSERT INTO person(uuid, review_id, name, role, site_id) VALUES "
	"  ('p-1', 1, 'Lena Lead', 'lead', NULL), ('p-2', 1, 'Rémi Reviewer', 'reviewer', NULL),"
	"  ('p-3', 1, 'Otto Observer', 'observer', NULL), ('p-4', 1, 'Pia Principal', 'principal', 1);"
	"INSERT INTO note(uuid, review_id, site_id, source, author_id, valence, text, created_at, updated_at) VALUES "
	"  ('11111111-1111-4111-8111-111111111111', 1, 1, 'focus_group', 2, 'growth',"
	"   'Families hear about honours classes too late.', '" NOW "', '" NOW "'),"
	"  ('22222222-2222-4222-8222-222222222222', 1, 1, 'interview', 1, 'growth',"
	"   'Counsellors place students by last year''s grades only.', '" NOW "', '" NOW "');";

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	setenv("QREL_NOW", NOW, 1);
	if (!f || fixture_db(f->dir, "/tmp/qrel-findings-XXXXXX", NULL, &f->db) != 0 ||
	    fixture_review(f->db, FIXTURE("fw-good.ini"), fixture_sql, &f->review) != 0)
		return -1;
	f->a = store_site_id(f->db, f->review, "A");
	f->c1 = store_cluster_id(f->db, f->review, "1.1");
	f->n1 = db_int(f->db, "SELECT id FROM note WHERE uuid LIKE '1111%'");
	f->n2 = db_int(f->db, "SELECT id FROM note WHERE uuid LIKE '2222%'");
	*state = f;
	return f->a > 0 && f->c1 > 0 && f->n1 > 0 && f->n2 > 0 ? 0 : -1;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_remove(f->dir, f->db);

	free(f);
	return rc;
}

static long long
count(struct fx *f, const char *sql)
{
	return db_int(f->db, sql);
}

static int64_t
finding(struct fx *f, const char *who, const char *text)
{
	struct finding_input in = { .site = f->a, .cluster = f->c1, .kind = FINDING_GROWTH, .text = text };
	int64_t id = 0;

	assert_int_equal(finding_add(f->db, f->review, who, &in, &id), QREL_OK);
	return id;
}

static int64_t
recommendation(struct fx *f, const char *title)
{
	struct rec_input in = { .title = title, .text = "Tell every family in September.",
				.stakeholders = "Counsellors, families", .priority = REC_HIGH };
	int64_t id = 0;

	assert_int_equal(rec_add(f->db, f->review, REVIEWER, &in, &id), QREL_OK);
	return id;
}

/* Observers and principals write nothing; a reviewer drafts but does not finalise. */
static void
roles(void **state)
{
	struct fx *f = *state;
	struct finding_input in = { .cluster = f->c1, .kind = FINDING_STRENGTH, .text = "A strength" };
	struct rec_input r = { .title = "Do it" };
	int64_t id;

	assert_int_equal(finding_add(f->db, f->review, "Otto Observer", &in, &id), QREL_DENIED);
	assert_int_equal(finding_add(f->db, f->review, "Pia Principal", &in, &id), QREL_DENIED);
	assert_int_equal(finding_add(f->db, f->review, "Stranger", &in, &id), QREL_DENIED);
	assert_int_equal(rec_add(f->db, f->review, "Otto Observer", &r, &id), QREL_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM finding") + count(f, "SELECT count(*) FROM recommendation"), 0);
	id = finding(f, REVIEWER, "Honours classes fill before families hear of them.");
	assert_true(id > 0);
	assert_int_equal(finding_edit(f->db, f->review, "Pia Principal", id, "text", "changed"), QREL_DENIED);
	assert_int_equal(findings_summary_set(f->db, f->review, REVIEWER, "Summary"), QREL_DENIED);
	assert_int_equal(findings_finalise(f->db, f->review, REVIEWER), QREL_DENIED);
	assert_int_equal(findings_summary_set(f->db, f->review, LEAD, "The district is ready to act."), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM review WHERE summary = 'The district is ready to act.'"), 1);
}

/* A finding cites two notes; a recommendation answers it and becomes an objective citing them. */
static void
links(void **state)
{
	struct fx *f = *state;
	int64_t fid = finding(f, REVIEWER, "Access to honours classes depends on who hears first."), rid, obj = 0;
	struct findings_doc d;
	char who[200];

	assert_int_equal(finding_cite_note(f->db, f->review, REVIEWER, fid, f->n1, "Parents"), QREL_OK);
	assert_int_equal(finding_cite_note(f->db, f->review, REVIEWER, fid, f->n2, NULL), QREL_OK);
	assert_int_equal(finding_cite_note(f->db, f->review, REVIEWER, fid, f->n2, NULL), QREL_CONFLICT);
	assert_int_equal(finding_cite_note(f->db, f->review, REVIEWER, fid, 9999, NULL), QREL_NOTFOUND);
	rid = recommendation(f, "Open honours classes to every student");
	assert_int_equal(rec_link_finding(f->db, f->review, REVIEWER, rid, fid), QREL_OK);
	assert_int_equal(rec_link_finding(f->db, f->review, REVIEWER, rid, 9999), QREL_NOTFOUND);
	assert_int_equal(rec_to_objective(f->db, f->review, REVIEWER, rid, &obj), QREL_OK);
	assert_true(obj > 0);
	assert_int_equal(rec_to_objective(f->db, f->review, REVIEWER, rid, &obj), QREL_CONFLICT);
	assert_int_equal(count(f, "SELECT count(*) FROM objective WHERE title = 'Open honours classes to every student'"
				  " AND stakeholders = 'Counsellors, families'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM cause_link"), 2);

	assert_int_equal(findings_load(f->db, f->review, 0, &d), QREL_OK);
	assert_int_equal(d.nf, 1);
	assert_int_equal(d.f[0].ncites, 2);
	findings_attribution(&d.f[0].cite[0], who, sizeof(who));
	assert_string_equal(who, "Parents, focus group");
	findings_attribution(&d.f[0].cite[1], who, sizeof(who));
	assert_string_equal(who, "Interview");
	assert_int_equal(d.nrec, 1);
	assert_int_equal(d.rec[0].nfindings, 1);
	assert_int_equal(d.rec[0].finding[0], fid);
	assert_int_equal(d.rec[0].objective, obj);
	assert_int_equal(d.rec[0].priority, REC_HIGH);
	findings_doc_free(&d);

	/* Deleting the finding removes its citations and links, not the notes. */
	assert_int_equal(finding_delete(f->db, f->review, REVIEWER, fid), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM finding_note") + count(f, "SELECT count(*) FROM recommendation_finding"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM note"), 2);
}

/* Final freezes everything; only the lead reopens, and only with a reason. */
static void
finalise_reopen(void **state)
{
	struct fx *f = *state;
	int64_t fid = finding(f, REVIEWER, "First draft."), rid = recommendation(f, "A title"), obj;

	assert_false(findings_final(f->db, f->review));
	assert_int_equal(findings_finalise(f->db, f->review, LEAD), QREL_OK);
	assert_true(findings_final(f->db, f->review));
	assert_int_equal(findings_finalise(f->db, f->review, LEAD), QREL_CONFLICT);
	assert_int_equal(finding_edit(f->db, f->review, REVIEWER, fid, "text", "Second draft."), QREL_LOCKED);
	assert_int_equal(finding_edit(f->db, f->review, LEAD, fid, "text", "Second draft."), QREL_LOCKED);
	assert_int_equal(rec_edit(f->db, f->review, LEAD, rid, "title", "B"), QREL_LOCKED);
	assert_int_equal(rec_to_objective(f->db, f->review, LEAD, rid, &obj), QREL_LOCKED);
	assert_int_equal(findings_summary_set(f->db, f->review, LEAD, "late"), QREL_LOCKED);
	assert_int_equal(findings_reopen(f->db, f->review, REVIEWER, "typo"), QREL_DENIED);
	assert_int_equal(findings_reopen(f->db, f->review, LEAD, ""), QREL_USAGE);
	assert_int_equal(findings_reopen(f->db, f->review, LEAD, "   "), QREL_USAGE);
	assert_true(findings_final(f->db, f->review));
	assert_int_equal(findings_reopen(f->db, f->review, LEAD, "The board asked for a fourth recommendation"), QREL_OK);
	assert_false(findings_final(f->db, f->review));
	assert_int_equal(findings_reopen(f->db, f->review, LEAD, "again"), QREL_CONFLICT);
	assert_int_equal(finding_edit(f->db, f->review, REVIEWER, fid, "text", "Second draft."), QREL_OK);
	/* A locked site's findings cannot change either. */
	assert_int_equal(db_exec(f->db, "UPDATE site SET locked = 1"), QREL_OK);
	assert_int_equal(finding_edit(f->db, f->review, REVIEWER, fid, "text", "Third draft."), QREL_LOCKED);
}

/* Every write leaves its change-log row with who, old and new, and the reopening's reason. */
static void
change_log(void **state)
{
	struct fx *f = *state;
	int64_t fid = finding(f, REVIEWER, "Before.");

	assert_int_equal(finding_edit(f->db, f->review, LEAD, fid, "text", "After."), QREL_OK);
	assert_int_equal(finding_edit(f->db, f->review, LEAD, fid, "kind", "strength"), QREL_OK);
	assert_int_equal(finding_edit(f->db, f->review, LEAD, fid, "colour", "red"), QREL_USAGE);
	assert_int_equal(finding_cite_note(f->db, f->review, REVIEWER, fid, f->n1, "Parents"), QREL_OK);
	assert_int_equal(finding_uncite_note(f->db, f->review, REVIEWER, fid, f->n1), QREL_OK);
	assert_int_equal(findings_finalise(f->db, f->review, LEAD), QREL_OK);
	assert_int_equal(findings_reopen(f->db, f->review, LEAD, "board feedback"), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'finding' AND field = 'create' "
				  "AND who = 'Rémi Reviewer' AND new = 'Before.'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'finding' AND field = 'text' "
				  "AND who = 'Lena Lead' AND old = 'Before.' AND new = 'After.'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'kind' AND old = 'growth' "
				  "AND new = 'strength'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'cite' AND new LIKE '1111%' "
				  "AND reason = 'Parents'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE field = 'uncite'"), 1);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'review' AND field = 'report status' "
				  "AND old = 'final' AND new = 'draft' AND reason = 'board feedback'"), 1);
	/* A refused write leaves no trace. */
	assert_int_equal(finding_edit(f->db, f->review, "Otto Observer", fid, "text", "x"), QREL_DENIED);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE who = 'Otto Observer'"), 0);
}

static void
write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

/* One bad row anywhere: nothing is imported, and every problem names its line. */
static void
import_all_or_nothing(void **state)
{
	struct fx *f = *state;
	struct diags d = { 0 };
	char path[128];
	size_t rows = 9;

	snprintf(path, sizeof(path), "%s/f.csv", f->dir);
	write_file(path, "kind,site,cluster,domain,text,notes\n"
			 "growth,A,1.1,,Families hear late.,11111111-1111-4111-8111-111111111111:Parents;2\n"
			 "strength,,,1,Leaders talk about equity.,\n"
			 "sideways,A,1.1,,Bad kind.,\n"
			 "growth,A,9.9,,Bad cluster.,\n"
			 "growth,A,1.1,,Bad note.,777\n");
	assert_int_equal(findings_import(f->db, f->review, REVIEWER, path, NULL, &d, &rows), QREL_PARSE);
	assert_int_equal(rows, 0);
	assert_int_equal(d.n, 3);
	assert_non_null(strstr(d.msg[0], "f.csv:4: "));
	assert_non_null(strstr(d.msg[1], "f.csv:5: "));
	assert_non_null(strstr(d.msg[2], "f.csv:6: "));
	assert_int_equal(count(f, "SELECT count(*) FROM finding") + count(f, "SELECT count(*) FROM finding_note"), 0);
	assert_int_equal(count(f, "SELECT count(*) FROM change_log WHERE entity = 'finding'"), 0);
	diag_free(&d);

	write_file(path, "id,kind,site,cluster,domain,text,notes\n"
			 "33333333-3333-4333-8333-333333333333,growth,A,1.1,,Families hear late.,"
			 "11111111-1111-4111-8111-111111111111:Parents;2\n"
			 ",strength,,,1,Leaders talk about equity.,\n");
	assert_int_equal(findings_import(f->db, f->review, REVIEWER, path, NULL, &d, &rows), QREL_OK);
	assert_int_equal(rows, 2);
	assert_int_equal(count(f, "SELECT count(*) FROM finding_note fn JOIN finding x ON x.id = fn.finding_id "
				  "WHERE x.uuid LIKE '3333%'"), 2);
	assert_int_equal(count(f, "SELECT count(*) FROM finding WHERE cluster_id IS NULL AND site_id IS NULL"), 1);

	snprintf(path, sizeof(path), "%s/r.csv", f->dir);
	write_file(path, "number,priority,title,findings,objective\n"
			 "1,high,Tell families early,33333333-3333-4333-8333-333333333333,yes\n"
			 "2,urgent,Bad priority,,\n");
	assert_int_equal(rec_import(f->db, f->review, REVIEWER, path, NULL, &d, &rows), QREL_PARSE);
	assert_int_equal(count(f, "SELECT count(*) FROM recommendation") + count(f, "SELECT count(*) FROM objective"), 0);
	diag_free(&d);
	write_file(path, "number,priority,title,findings,objective\n"
			 "1,high,Tell families early,33333333-3333-4333-8333-333333333333,yes\n");
	assert_int_equal(rec_import(f->db, f->review, REVIEWER, path, NULL, &d, &rows), QREL_OK);
	assert_int_equal(count(f, "SELECT count(*) FROM recommendation r JOIN objective o ON o.id = r.objective_id"), 1);
	/* An observer imports nothing. */
	assert_int_equal(findings_import(f->db, f->review, "Otto Observer", path, NULL, &d, &rows), QREL_DENIED);
	diag_free(&d);
}

/* Every refused row names its line and the column it read. */
static void
import_errors_name_columns(void **state)
{
	static const char *const want[] = {
		"f.csv:2: column kind: a finding is a strength or growth, not 'sideways'",
		"f.csv:3: column cluster: a finding needs a cluster or a domain",
		"f.csv:4: column text: a finding needs a text",
		"f.csv:5: column notes: no live note '777' in this review",
		"r.csv:2: column priority: ",
		"r.csv:3: column findings: no finding '99999' in this review",
		"r.csv:4: column title: a recommendation needs a title",
	};
	struct fx *f = *state;
	struct diags d = { 0 };
	char path[128];
	size_t rows = 9;

	snprintf(path, sizeof(path), "%s/f.csv", f->dir);
	write_file(path, "kind,site,cluster,domain,text,notes\n"
			 "sideways,A,1.1,,Bad kind.,\n"
			 "growth,A,,,No place.,\n"
			 "growth,A,1.1,,,\n"
			 "growth,A,1.1,,Bad note.,777\n");
	assert_int_equal(findings_import(f->db, f->review, REVIEWER, path, NULL, &d, &rows), QREL_PARSE);
	assert_int_equal(d.n, 4);
	for (size_t i = 0; i < 4; i++)
		assert_non_null(strstr(d.msg[i], want[i]));
	diag_free(&d);
	snprintf(path, sizeof(path), "%s/r.csv", f->dir);
	write_file(path, "number,priority,title,findings,objective\n"
			 "2,urgent,Bad priority,,\n"
			 ",high,Bad link,99999,\n"
			 ",high,,,\n");
	assert_int_equal(rec_import(f->db, f->review, REVIEWER, path, NULL, &d, &rows), QREL_PARSE);
	assert_int_equal(d.n, 3);
	for (size_t i = 0; i < 3; i++)
		assert_non_null(strstr(d.msg[i], want[4 + i]));
	diag_free(&d);
}

/* Who reads the written findings (the report, a bundle): the team; a principal
 * once released (their school's only when only it was released); no one else. */
static bool
reads(struct fx *f, const char *who, int64_t asked, int64_t *site)
{
	struct vis_viewer v;

	assert_int_equal(visibility_viewer(f->db, f->review, who, &v), QREL_OK);
	*site = asked;
	return findings_readable(f->db, &v, site);
}

static void
readable(void **state)
{
	struct fx *f = *state;
	int64_t site;

	assert_true(reads(f, LEAD, 0, &site) && site == 0);
	assert_true(reads(f, REVIEWER, f->a, &site) && site == f->a);
	assert_true(reads(f, "Otto Observer", 0, &site));
	assert_false(reads(f, "Stranger", 0, &site));
	assert_false(reads(f, "Pia Principal", 0, &site));	/* not released */
	assert_int_equal(visibility_release(f->db, f->review, LEAD, f->a), QREL_OK);
	assert_true(reads(f, "Pia Principal", 0, &site) && site == f->a);	/* her school's */
	assert_int_equal(visibility_release(f->db, f->review, LEAD, 0), QREL_OK);
	assert_true(reads(f, "Pia Principal", 0, &site) && site == 0);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int
main(void)
{
	const struct CMUnitTest tests[] = {
		T(roles), T(links), T(finalise_reopen), T(change_log), T(import_all_or_nothing), T(import_errors_name_columns), T(readable),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
