/* Unit tests of the CSV reader and the importers, against a temporary review database. */
#include "qrel/qrel.h"

#include "fixture.h"

#include <setjmp.h>
#include <cmocka.h>

#include <unistd.h>

#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/import.h"
#include "qrel/store.h"
#include "qrel/util.h"

struct fx {
	char dir[FIXTURE_DIR];
	char path[160];		/* the last CSV file written */
	int nfile;
	struct db *db;
	int64_t review;
	struct diags d;
	struct import_stats st;
};

static const char framework_sql[] =
	FIXTURE_FRAMEWORK_SQL
	"INSERT INTO cluster(framework_id, domain_id, code, title, position) VALUES "
	"(1, 1, '1.1', 'Achievement', 1), (1, 1, '1.2', 'Access', 2), (1, 1, '2.1', 'Planning', 3);";

static const char sites_csv[] =
	"code,name,kind\n"
	"S1,Maple School,school\n"
	"S2,Oak School,school\n"
	"D,Central District,district\n";

static const char people_csv[] =
	"name,role,site\n"
	"Ann Lead,lead,\n"
	"Ray Viewer,reviewer,\n"
	"Pat Principal,principal,S1\n"
	"Olly Observer,observer,\n";

static const char activities_csv[] =
	"id,site,source,held_at,description,facilitator\n"
	"a0000000-0000-4000-8000-000000000001,S1,focus_group,2024-03-05T09:30,Parents focus group,Ray Viewer\n"
	",S2,Document review,2024-03-06,Budget review,\n";

static const char metrics_csv[] =
	"code,name,direction,denominator,cluster\n"
	"OSS,Out-of-school suspension,adverse,,1.1\n"
	"AP,AP enrolment,favourable,students in grades 11-12,\n";

static const char evidence_csv[] =
	"id,created_at,site,source,author,valence,clusters,subgroups,activity,text\n"
	",2024-03-05T10:00,S1,focus_group,Ray Viewer,strength,1.1; 1.2,race:Black;ell:yes,"
	"A0000000-0000-4000-8000-000000000001,\"Parents said \"\"we are heard\"\", often\"\n"
	"b0000000-0000-4000-8000-000000000002,,S2,document_review,Ann Lead,growth,2.1,,,"
	"Budget lines lack equity goals\n";

static const char scores_csv[] =
	"site,cluster,rater,kind,level,rationale\n"
	"S1,1.1,Ray Viewer,team,2,Consistent strengths\n"
	"S1,1.1,Ann Lead,consensus,NE,\n"
	"S1,1.1,Pat Principal,self,3,We think so\n"
	"S1,1.2,Ray Viewer,team,,\n";

static const char subgroups_csv[] =
	"site,year,metric,dimension,group,enrolled,count\n"
	"S1,2023-24,OSS,race,Black,120,18\n"
	"S1,2023-24,OSS,race,White,300,11\n"
	"S1,2023-24,oss,all,All,420,29\n";

/* ---- fixture ---- */

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	if (!f)
		return -1;
	setenv("QREL_NOW", "2024-05-01T10:00:00Z", 1);
	if (fixture_db(f->dir, "/tmp/qrel-import-XXXXXX", NULL, &f->db) != 0 ||
	    fixture_review_sql(f->db, framework_sql, "Test review", NULL, &f->review) != 0)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	int rc = fixture_remove(f->dir, f->db);

	diag_free(&f->d);
	free(f);
	return rc;
}

static void
write_csv(struct fx *f, const char *name, const char *text)
{
	FILE *out;

	snprintf(f->path, sizeof(f->path), "%s/%s%d.csv", f->dir, name, ++f->nfile);
	out = fopen(f->path, "wb");
	assert_non_null(out);
	assert_int_equal(fwrite(text, 1, strlen(text), out), strlen(text));
	fclose(out);
}

static int
import_with(struct fx *f, const char *kind, const char *text, const struct import_opts *o)
{
	write_csv(f, kind, text);
	diag_free(&f->d);
	char lead[128] = "";

	/* The review's lead imports once there is one (the gate lets only them add
	 * sites, people and data); before that, whoever sets the review up. */
	if (store_lead_name(f->db, f->review, lead, sizeof(lead)) != QREL_OK || !*lead)
		snprintf(lead, sizeof(lead), "tester");
	if (o)
		return import_file_opts(f->db, f->review, kind, f->path, lead, o, &f->d, &f->st);
	return import_file(f->db, f->review, kind, f->path, lead, &f->d, &f->st);
}

static int
import(struct fx *f, const char *kind, const char *text)
{
	return import_with(f, kind, text, NULL);
}

static void
import_ok(struct fx *f, const char *kind, const char *text)
{
	int rc = import(f, kind, text);

	if (rc != QREL_OK)
		diag_print(&f->d, stderr);
	assert_int_equal(rc, QREL_OK);
	assert_int_equal(f->d.n, 0);
}

static void
assert_stats(const struct fx *f, size_t inserted, size_t updated, size_t unchanged)
{
	assert_int_equal(f->st.inserted, inserted);
	assert_int_equal(f->st.updated, updated);
	assert_int_equal(f->st.unchanged, unchanged);
	assert_int_equal(f->st.rows, inserted + updated + unchanged);
}

/* Asserts that "path:line: text" is among the diagnostics. */
static void
expect_diag(struct fx *f, int line, const char *text)
{
	char want[1024];

	snprintf(want, sizeof(want), "%s:%d: %s", f->path, line, text);
	for (size_t i = 0; i < f->d.n; i++)
		if (strcmp(f->d.msg[i], want) == 0)
			return;
	diag_print(&f->d, stderr);
	fail_msg("no diagnostic \"%s\"", want);
}

static long long
query_int(struct fx *f, const char *sql)
{
	return fixture_int(f->db, sql);
}

static char *
query_text(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;
	char *v = NULL;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = xstrdup(db_col_text(st, 0));
	sqlite3_finalize(st);
	return v;
}

static void
assert_text(struct fx *f, const char *sql, const char *want)
{
	char *got = query_text(f, sql);

	assert_non_null(got);
	assert_string_equal(got, want);
	free(got);
}

/* Row counts of every table an import writes, as one comparable string. */
static void
fingerprint(struct fx *f, char *out, size_t size)
{
	static const char *const tables[] = { "site", "person", "activity", "metric", "note",
		"note_cluster", "note_subgroup", "score", "subgroup_row", "state_row", "change_log" };
	size_t used = 0;

	for (size_t i = 0; i < ARRAY_SIZE(tables); i++) {
		char sql[80];

		snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s", tables[i]);
		used += (size_t)snprintf(out + used, size - used, "%s=%lld ", tables[i], query_int(f, sql));
	}
	snprintf(out + used, size - used, "names=%lld versions=%lld",
		query_int(f, "SELECT total(length(name)) FROM site"),
		query_int(f, "SELECT total(version) FROM score"));
}

/* Imports text, expects it refused with the diagnostic at line, and the database unchanged. */
static void
refused_with(struct fx *f, const char *kind, const char *text, const struct import_opts *o, int line,
	     const char *diag)
{
	char before[512], after[512];

	fingerprint(f, before, sizeof(before));
	assert_int_not_equal(import_with(f, kind, text, o), QREL_OK);
	expect_diag(f, line, diag);
	assert_int_equal(f->st.inserted + f->st.updated + f->st.unchanged, 0);
	fingerprint(f, after, sizeof(after));
	assert_string_equal(before, after);
}

static void
refused(struct fx *f, const char *kind, const char *text, int line, const char *diag)
{
	refused_with(f, kind, text, NULL, line, diag);
}

static void
seed(struct fx *f)
{
	import_ok(f, "sites", sites_csv);
	import_ok(f, "people", people_csv);
}

/* ---- each kind ---- */

static void
test_sites(void **state)
{
	struct fx *f = *state;

	import_ok(f, "sites", sites_csv);
	assert_stats(f, 3, 0, 0);
	import_ok(f, "sites", sites_csv);
	assert_stats(f, 0, 0, 3);
	import_ok(f, "sites", "code,name,kind\ns1,Maple Primary,school\nS2,Oak School,school\n");
	assert_stats(f, 0, 1, 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM site"), 3);
	assert_text(f, "SELECT name FROM site WHERE code = 'S1'", "Maple Primary");
	assert_int_equal(query_int(f, "SELECT count(*) FROM site WHERE length(uuid) = 36"), 3);
}

static void
test_people(void **state)
{
	struct fx *f = *state;

	seed(f);
	assert_stats(f, 4, 0, 0);
	import_ok(f, "people", people_csv);
	assert_stats(f, 0, 0, 4);
	assert_int_equal(query_int(f, "SELECT count(*) FROM person"), 4);
}

static void
test_people_update(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "people", "name,role\nOlly Observer,Reviewer\nAnn Lead,lead\n");
	assert_stats(f, 0, 1, 1);
	assert_text(f, "SELECT role FROM person WHERE name = 'Olly Observer'", "reviewer");
	assert_int_equal(query_int(f, "SELECT count(*) FROM person"), 4);
	assert_int_equal(query_int(f, "SELECT count(*) FROM person p JOIN site s ON s.id = p.site_id "
		"WHERE p.name = 'Pat Principal' AND s.code = 'S1'"), 1);
}

static void
test_activities(void **state)
{
	struct fx *f = *state;
	char *derived;

	seed(f);
	import_ok(f, "activities", activities_csv);
	assert_stats(f, 2, 0, 0);
	derived = query_text(f, "SELECT uuid FROM activity WHERE description = 'Budget review'");
	assert_non_null(derived);
	assert_true(uuid_valid(derived));
	assert_int_equal(derived[14], '8');
	import_ok(f, "activities", activities_csv);
	assert_stats(f, 0, 0, 2);
	assert_text(f, "SELECT uuid FROM activity WHERE description = 'Budget review'", derived);
	assert_int_equal(query_int(f, "SELECT count(*) FROM activity"), 2);
	assert_text(f, "SELECT source FROM activity WHERE description = 'Budget review'", "document_review");
	assert_text(f, "SELECT p.name FROM activity a JOIN person p ON p.id = a.facilitator_id", "Ray Viewer");
	/* An absent description column keeps the stored description. */
	import_ok(f, "activities", "id,site,source,held_at\n"
		"a0000000-0000-4000-8000-000000000001,S1,focus_group,2024-03-05 09:45\n");
	assert_stats(f, 0, 1, 0);
	assert_text(f, "SELECT held_at || '|' || description || '|' || facilitator_id FROM activity "
		"WHERE uuid = 'a0000000-0000-4000-8000-000000000001'", "2024-03-05T09:45|Parents focus group|2");
	free(derived);
}

static void
test_metrics(void **state)
{
	struct fx *f = *state;

	seed(f);	/* metrics and state figures are the lead's to import */
	import_ok(f, "metrics", metrics_csv);
	assert_stats(f, 2, 0, 0);
	assert_text(f, "SELECT denominator FROM metric WHERE code = 'OSS'", "enrolled students");
	assert_text(f, "SELECT c.code FROM metric m JOIN cluster c ON c.id = m.cluster_id", "1.1");
	import_ok(f, "metrics", metrics_csv);
	assert_stats(f, 0, 0, 2);
	import_ok(f, "metrics", "code,name,direction\nap,AP enrolment,favourable\n");
	assert_stats(f, 0, 0, 1);
	assert_text(f, "SELECT denominator FROM metric WHERE code = 'AP'", "students in grades 11-12");
}

static void
test_evidence(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "activities", activities_csv);
	import_ok(f, "evidence", evidence_csv);
	assert_stats(f, 2, 0, 0);
	assert_text(f, "SELECT text FROM note WHERE valence = 'strength'", "Parents said \"we are heard\", often");
	assert_text(f, "SELECT created_at FROM note WHERE valence = 'strength'", "2024-03-05T10:00:00Z");
	assert_text(f, "SELECT created_at FROM note WHERE valence = 'growth'", "2024-05-01T10:00:00Z");
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_cluster"), 3);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_subgroup"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note WHERE activity_id IS NOT NULL"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'note' "
		"AND field = 'create' AND who = 'Ann Lead'"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts WHERE note_fts MATCH 'heard'"), 1);
	/* its notes are in their sites' cluster lists, filled once at the end too */
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_cluster_time x JOIN note n ON n.id = x.note_id "
		"AND n.site_id = x.site_id AND n.created_at = x.created_at JOIN note_cluster nc "
		"ON nc.note_id = x.note_id AND nc.cluster_id = x.cluster_id"), 3);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_cluster_time"), 3);
	/* the import indexed its notes in one statement at the end and left the
	 * index whole and unpaused: a note added afterwards is indexed by the trigger */
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_paused"), 0);
	assert_int_equal(db_exec(f->db, "INSERT INTO note_fts(note_fts) VALUES ('integrity-check')"), QREL_OK);
	assert_int_equal(db_exec(f->db, "INSERT INTO note(uuid, review_id, site_id, source, author_id, text, "
		"created_at, updated_at) SELECT 'd0000000-0000-4000-8000-000000000004', review_id, site_id, source, "
		"author_id, 'Written on screen afterwards', created_at, updated_at FROM note LIMIT 1"), QREL_OK);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts WHERE note_fts MATCH 'afterwards'"), 1);
	assert_int_equal(db_exec(f->db, "INSERT INTO note_cluster SELECT id, (SELECT min(cluster_id) FROM "
		"note_cluster) FROM note WHERE uuid = 'd0000000-0000-4000-8000-000000000004'"), QREL_OK);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_cluster_time"), 4);	/* and listed */
	assert_int_equal(db_exec(f->db, "DELETE FROM note WHERE uuid = 'd0000000-0000-4000-8000-000000000004'"),
		QREL_OK);
	import_ok(f, "evidence", evidence_csv);
	assert_stats(f, 0, 0, 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'note'"), 2);
	/* the four people the seed added are logged too, with the process's login and uid */
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'person' AND uid IS NOT NULL"), 4);
}

static void
test_scores(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "scores", scores_csv);
	assert_stats(f, 4, 0, 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM score WHERE kind = 'consensus' "
		"AND level IS NULL AND insufficient = 1"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM score WHERE level IS NULL AND insufficient = 0"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM change_log WHERE entity = 'score'"), 3);
	import_ok(f, "scores", scores_csv);
	assert_stats(f, 0, 0, 4);
	import_ok(f, "scores", "site,cluster,rater,kind,level\ns1,1.1,Ray Viewer,team,3\n"
		"S1,1.1,Ann Lead,consensus,ne\n");
	assert_stats(f, 0, 1, 1);
	assert_text(f, "SELECT old || '>' || new FROM change_log WHERE entity = 'score' ORDER BY id DESC",
		"2>3");
	assert_text(f, "SELECT rationale || '|' || version FROM score WHERE level = 3 AND kind = 'team'",
		"Consistent strengths|2");
	import_ok(f, "scores", "site,cluster,rater,kind,level,rationale,updated_at\n"
		"S1,1.1,Ann Lead,consensus,,Not yet agreed,2024-04-02T08:00:00Z\n");
	assert_stats(f, 0, 1, 0);
	assert_text(f, "SELECT coalesce(new, 'NULL') || '<' || old FROM change_log WHERE field = 'level' "
		"ORDER BY id DESC", "NULL<NE");
	assert_text(f, "SELECT updated_at FROM score WHERE kind = 'consensus'", "2024-04-02T08:00:00Z");
}

static void
test_subgroups(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "metrics", metrics_csv);
	import_ok(f, "subgroups", subgroups_csv);
	assert_stats(f, 3, 0, 0);
	import_ok(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
		"S1,2023-24,OSS,race,Black,120,19\nS1,2023-24,OSS,race,White,300,11\n");
	assert_stats(f, 0, 1, 1);
	assert_int_equal(query_int(f, "SELECT count FROM subgroup_row WHERE grp = 'Black'"), 19);
	assert_int_equal(query_int(f, "SELECT count(*) FROM subgroup_row"), 3);
}

/* The State's file as published: its site column (STATE) is read and ignored. */
static void
test_state(void **state)
{
	struct fx *f = *state;

	seed(f);	/* metrics and state figures are the lead's to import */
	import_ok(f, "metrics", metrics_csv);
	import_ok(f, "state", "site,year,metric,dimension,group,enrolled,count\n"
		"STATE,2023-24,OSS,race,Black,86976,2802\nSTATE,2023-24,oss,race,White,390000,3100\n");
	assert_stats(f, 2, 0, 0);
	import_ok(f, "state", "group,count,enrolled,dimension,metric,year\n"
		"Black,2810,86976,race,oss,2023-24\nWhite,3100,390000,race,oss,2023-24\n");
	assert_stats(f, 0, 1, 1);
	assert_int_equal(query_int(f, "SELECT count FROM state_row WHERE grp = 'Black'"), 2810);
	assert_int_equal(query_int(f, "SELECT count(*) FROM state_row WHERE review_id = 1"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM subgroup_row"), 0);
}

/* ---- refused files: the message names file and line, the database is unchanged ---- */

static void
test_missing_column(void **state)
{
	struct fx *f = *state;

	refused(f, "sites", "code,name\nS9,Elm\n", 1, "missing column 'kind'");
}

static void
test_unknown_column(void **state)
{
	struct fx *f = *state;

	char want[600];

	/* an extra column is one warning, naming them all, and the rest imports */
	import_ok(f, "sites", "code,name,kind,colour,,notes\nS9,Elm,school,red,,x\n");
	assert_stats(f, 1, 0, 0);
	assert_int_equal(f->d.nwarn, 1);
	snprintf(want, sizeof(want), "%s:1: warning: ignored 3 columns not read here: 'colour', column 5 "
		 "(no name), 'notes' (the columns are: code, name, kind)", f->path);
	assert_string_equal(f->d.warn[0], want);
	refused(f, "sites", "code,Name,kind,name\nS9,Elm,school,x\n", 1,
		"column 4: column name appears twice (columns 2 and 4)");
}

static void
test_not_integer(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "metrics", metrics_csv);
	refused(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
		"S1,2023-24,OSS,race,Black,120,18\nS1,2023-24,OSS,race,White,12a,1\n", 3,
		"column enrolled: not a whole number ('12a')");
}

static void
test_negative(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "metrics", metrics_csv);
	refused(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
		"S1,2023-24,OSS,race,Black,120,18\nS1,2023-24,OSS,race,White,300,-3\n", 3,
		"column count: must not be negative ('-3')");
}

static void
test_count_over_enrolled(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "metrics", metrics_csv);
	refused(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
		"S1,2023-24,OSS,race,Black,120,18\nS1,2023-24,OSS,race,White,10,12\n", 3,
		"column count: more than enrolled (10) ('12')");
}

static void
test_state_refused(void **state)
{
	struct fx *f = *state;

	seed(f);	/* metrics and state figures are the lead's to import */
	import_ok(f, "metrics", metrics_csv);
	import_ok(f, "state", "year,metric,dimension,group,enrolled,count\n2023-24,oss,race,White,390000,3100\n");
	refused(f, "state", "year,metric,dimension,group,enrolled,count\n"
		"2023-24,oss,race,White,390000,3200\n2023-24,oss,race,Black,100,120\n", 3,
		"column count: more than enrolled (100) ('120')");
	refused(f, "state", "year,metric,dimension,group,enrolled\n2023-24,oss,race,White,390000\n", 1,
		"missing column 'count'");
	refused(f, "state", "year,metric,dimension,group,enrolled,count\n"
		"23-24,oss,race,Asian,10,1\n2023-24,xyz,race,Asian,10,1\n2023-24,oss,race,White,5,1\n"
		"2023-24,oss,race,white,5,1\n2023-24,oss,race,White,5,2\n", 2,
		"column year: must start with a four-digit year (2023 or 2023-24) ('23-24')");
	expect_diag(f, 3, "column metric: unknown metric ('xyz')");
	expect_diag(f, 6, "column group: duplicates line 4 (the same year, metric, dimension and group)");
	assert_int_equal(query_int(f, "SELECT count FROM state_row WHERE grp = 'White'"), 3100);
}

static void
test_unknown_site(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "metrics", metrics_csv);
	refused(f, "subgroups", "site,year,metric,dimension,group,enrolled,count\n"
		"S1,2023-24,OSS,race,Black,120,18\nS9,2023-24,OSS,race,White,300,3\n", 3,
		"column site: unknown site ('S9')");
	refused(f, "scores", "site,cluster,rater,kind,level\nS1,1.1,Ray Viewer,team,2\n"
		"S1,9.9,Nobody,team,2\n", 3, "column cluster: unknown cluster ('9.9')");
	expect_diag(f, 3, "column rater: unknown person ('Nobody')");
}

static void
test_bad_utf8(void **state)
{
	struct fx *f = *state;

	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS9,Caf\xe9,school\n", 3,
		"column name: not valid UTF-8 (a file saved as Windows-1252 or Latin-1 needs --encoding cp1252)");
	refused(f, "sites", "code,name,kind\nS9,\xc0\xaf,school\n", 2,
		"column name: not valid UTF-8 (a file saved as Windows-1252 or Latin-1 needs --encoding cp1252)");
}

static void
test_unterminated_quote(void **state)
{
	struct fx *f = *state;

	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS9,\"Open,school\nS7,Ash,school\n", 3,
		"column name: malformed CSV: a quoted field that starts in this record is never closed");
	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS9,Ol\"d,school\n", 3,
		"column name: malformed CSV: a stray '\"' (a field holding a quote must be quoted, with the "
		"quote doubled); reading stopped here");
}

static void
test_duplicate_key(void **state)
{
	struct fx *f = *state;

	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS7,Ash,school\ns8,Elm 2,school\n", 4,
		"column code: duplicates line 2 ('s8')");
	seed(f);
	refused(f, "scores", "site,cluster,rater,kind,level\nS1,1.1,Ray Viewer,team,2\n"
		"s1,1.1,Ray Viewer,team,3\n", 3,
		"column rater: duplicates line 2 (the same site, cluster, rater and kind)");
}

static void
test_principal_other_school(void **state)
{
	struct fx *f = *state;

	seed(f);
	refused(f, "scores", "site,cluster,rater,kind,level\nS1,1.1,Pat Principal,self,2\n"
		"S2,1.1,Pat Principal,self,3\n", 3,
		"column rater: Pat Principal self-evaluates only their own school (S1), not S2 "
		"('Pat Principal')");
}

static void
test_role_rules(void **state)
{
	struct fx *f = *state;

	seed(f);
	refused(f, "scores", "site,cluster,rater,kind,level\nS1,1.1,Olly Observer,team,2\n"
		"S1,1.1,Ray Viewer,consensus,2\nS1,1.2,Pat Principal,team,1\nS1,1.2,Ray Viewer,self,1\n"
		"S1,2.1,Ray Viewer,team,4\n", 2,
		"column rater: Olly Observer is an observer: observers do not score ('Olly Observer')");
	expect_diag(f, 3, "column rater: consensus scores are recorded by the lead, not a reviewer "
		"('Ray Viewer')");
	expect_diag(f, 4, "column rater: team scores are given by reviewers and the lead, not a "
		"principal ('Pat Principal')");
	expect_diag(f, 5, "column rater: self-evaluation scores are given by a school's principal, not a "
		"reviewer ('Ray Viewer')");
	expect_diag(f, 6, "column level: must be a level from 1 to 3 or its label, NE (insufficient "
		"evidence) or empty ('4')");
	assert_int_equal(f->d.n, 5);
}

/* Every problem in the file is reported, not just the first. */
static void
test_all_errors(void **state)
{
	struct fx *f = *state;

	seed(f);
	refused(f, "people", "name,role,site\nZoe,boss,\nYan,principal,\nXi,reviewer,S1\n"
		"Wu,principal,S9\n,lead,\n", 2,
		"column role: must be one of lead, reviewer, principal, observer ('boss')");
	expect_diag(f, 3, "column site: a principal needs their school's code");
	expect_diag(f, 4, "column site: only a principal belongs to a site ('S1')");
	expect_diag(f, 5, "column site: unknown site ('S9')");
	expect_diag(f, 6, "column name: must not be empty");
	assert_int_equal(f->d.n, 5);
}

static void
test_evidence_errors(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "activities", activities_csv);
	refused(f, "evidence", "site,source,author,clusters,subgroups,activity,text,created_at\n"
		"S2,interview,Ann Lead,1.1,,a0000000-0000-4000-8000-000000000001,Note,\n"
		"S1,interview,Ann Lead,;,race,,Note,\n"
		"S1,chat,Ann Lead,1.1,,not-a-uuid,,2024-02-30\n", 2,
		"column activity: was held at site S1, not at this row's site "
		"('a0000000-0000-4000-8000-000000000001')");
	expect_diag(f, 3, "column clusters: needs at least one cluster code");
	expect_diag(f, 3, "column subgroups: expected dimension:group ('race')");
	expect_diag(f, 4, "column source: must be one of interview, focus_group, document_review, "
		"site_observation, remote_observation, survey, self_evaluation ('chat')");
	expect_diag(f, 4, "column activity: not a UUID (like 123e4567-e89b-42d3-a456-426614174000) "
		"('not-a-uuid')");
	expect_diag(f, 4, "column text: must not be empty");
	expect_diag(f, 4, "column created_at: not a date or time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or "
		"YYYY-MM-DDTHH:MM:SS, with a fraction and Z or an offset like +02:00 if wanted) ('2024-02-30')");
}

/* A note named twice in one file: the second names the first's line, whether the
 * note is new (the import added it) or stored before (left unchanged). The full-text
 * index's own settings are back after a bulk import. */
static void
test_evidence_repeats(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "activities", activities_csv);
	import_ok(f, "evidence", evidence_csv);
	refused(f, "evidence", "id,site,source,author,clusters,text\n"
		"c0000000-0000-4000-8000-000000000003,S1,interview,Ann Lead,1.1,First note\n"
		",S2,interview,Ann Lead,2.1,Second note\n"
		"c0000000-0000-4000-8000-000000000003,S1,interview,Ann Lead,1.1,First note\n", 4,
		"column id: duplicates line 2 ('c0000000-0000-4000-8000-000000000003')");
	refused(f, "evidence", "id,site,source,author,clusters,text\n"
		"b0000000-0000-4000-8000-000000000002,S2,document_review,Ann Lead,2.1,Budget\n"
		",S2,interview,Ann Lead,2.1,Other\n"
		"b0000000-0000-4000-8000-000000000002,S2,document_review,Ann Lead,2.1,Budget\n", 4,
		"column id: duplicates line 2 ('b0000000-0000-4000-8000-000000000002')");
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), 2);
	/* a refused import leaves neither its notes in the index nor the pause */
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_docsize"), 2);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_paused"), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_config WHERE k = 'automerge' AND v = 4"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_config WHERE k = 'hashsize' AND v = 1048576"), 1);
}

/* The gate is asked once per site and author of an allowed note, but a refused
 * row is asked and reported on its own line, every time. */
static void
test_evidence_gate_rows(void **state)
{
	struct fx *f = *state;
	int rc;

	seed(f);
	write_csv(f, "evidence", "site,source,author,clusters,text\n"
		"S1,interview,Ray Viewer,1.1,One\n"
		"S1,interview,Ann Lead,1.1,Two\n"
		"S1,interview,Ray Viewer,1.1,Three\n"
		"S1,interview,Ann Lead,1.1,Four\n");
	diag_free(&f->d);
	rc = import_file(f->db, f->review, "evidence", f->path, "Ray Viewer", &f->d, &f->st);
	assert_int_not_equal(rc, QREL_OK);
	assert_int_equal(f->d.n, 2);
	expect_diag(f, 3, "column author: only the note's author or the lead may change it "
		"(Ray Viewer is not Ann Lead) ('Ann Lead')");
	expect_diag(f, 5, "column author: only the note's author or the lead may change it "
		"(Ray Viewer is not Ann Lead) ('Ann Lead')");
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_paused"), 0);
}

static void
test_field_count(void **state)
{
	struct fx *f = *state;

	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS9,Elm, Upper,school\n", 3,
		"column 4: 4 fields where the header has 3 (a field holding the delimiter must be quoted)");
}

static void
test_unknown_kind(void **state)
{
	struct fx *f = *state;

	assert_int_equal(import(f, "pets", "name\nRex\n"), QREL_USAGE);
	assert_int_equal(f->d.n, 0);
}

/* ---- the CSV dialect ---- */

static void
test_quoted_fields(void **state)
{
	struct fx *f = *state;

	import_ok(f, "sites", "code,name,kind\n"
		"S1,\"Maple, \"\"Upper\"\"\nCampus\",school\n"
		"S2,  \" Oak \"  ,school\n");
	assert_text(f, "SELECT name FROM site WHERE code = 'S1'", "Maple, \"Upper\"\nCampus");
	assert_text(f, "SELECT name FROM site WHERE code = 'S2'", "Oak");
	/* Line numbers count the lines inside quoted fields. */
	refused(f, "sites", "code,name,kind\n"
		"S3,\"Two\nlines\",school\n"
		"S4,Elm,house\n", 4, "column kind: must be one of school, district ('house')");
}

static void
test_crlf(void **state)
{
	struct fx *f = *state;

	import_ok(f, "sites", "code,name,kind\r\nS1,Maple,school\r\n\r\nS2,\"Two\r\nLines\",school\r\n");
	assert_stats(f, 2, 0, 0);
	assert_text(f, "SELECT name || '|' || kind FROM site WHERE code = 'S2'", "Two\nLines|school");
	refused(f, "sites", "code,name,kind\r\nS3,Elm,school\r\nS4,Ash,shop\r\n", 3,
		"column kind: must be one of school, district ('shop')");
}

static void
test_bom(void **state)
{
	struct fx *f = *state;

	import_ok(f, "sites", "\xef\xbb\xbf" " Code , NAME,Kind\nS1,Maple,school\n");
	assert_stats(f, 1, 0, 0);
	assert_text(f, "SELECT name FROM site", "Maple");
}

struct collected {
	int lines[8];
	size_t n, fields;
};

static int
collect(void *ctx, const struct csv_row *r)
{
	struct collected *c = ctx;

	if (c->n < ARRAY_SIZE(c->lines))
		c->lines[c->n++] = r->line;
	c->fields += r->n;
	return 0;
}

static void
test_csv_lines(void **state)
{
	struct fx *f = *state;
	struct collected c = { 0 };
	struct diags d = { 0 };

	write_csv(f, "raw", "a,b\n\n1,\"x\ny\"\n  \n3,4");
	assert_int_equal(csv_each(f->path, collect, &c, &d), QREL_OK);
	assert_int_equal(d.n, 0);
	assert_int_equal(c.n, 3);
	assert_int_equal(c.lines[0], 1);
	assert_int_equal(c.lines[1], 3);
	assert_int_equal(c.lines[2], 6);
	assert_int_equal(c.fields, 6);
	write_csv(f, "empty", "\n\n");
	assert_int_equal(csv_each(f->path, collect, &c, &d), QREL_PARSE);
	assert_int_equal(d.n, 1);
	diag_free(&d);
}

/* ---- shapes from spreadsheets and field tools ---- */

static void
import_with_ok(struct fx *f, const char *kind, const char *text, const struct import_opts *o)
{
	int rc = import_with(f, kind, text, o);

	if (rc != QREL_OK)
		diag_print(&f->d, stderr);
	assert_int_equal(rc, QREL_OK);
	assert_int_equal(f->d.n, 0);
}

static void
test_bom_semicolon_tab(void **state)
{
	struct fx *f = *state;

	seed(f);
	/* Excel's "CSV UTF-8" in a locale with a decimal comma: a BOM, ';' and CRLF */
	import_ok(f, "sites", "\xef\xbb\xbf" "code;name;kind\r\nS5;\"Elm; Upper\";school\r\n");
	assert_text(f, "SELECT name FROM site WHERE code = 'S5'", "Elm; Upper");
	/* rows Excel keeps because they were once formatted: only delimiters */
	import_ok(f, "sites", "code\tname\tkind\nS6\tBirch School\tschool\n\t\t\n\t \t\n");
	assert_stats(f, 1, 0, 0);
	assert_text(f, "SELECT name FROM site WHERE code = 'S6'", "Birch School");
	/* Excel's own hint line names the delimiter */
	import_ok(f, "sites", "sep=;\ncode;name;kind\nS7;Ash, Lower;school\n");
	assert_text(f, "SELECT name FROM site WHERE code = 'S7'", "Ash, Lower");
	/* --delimiter wins over the header's look */
	import_with_ok(f, "sites", "code|name|kind\nS4|Fir, West|school\n", &(struct import_opts){ .delimiter = '|' });
	assert_text(f, "SELECT name FROM site WHERE code = 'S4'", "Fir, West");
	assert_int_equal(query_int(f, "SELECT count(*) FROM site"), 7);
}

static void
test_encoding(void **state)
{
	struct fx *f = *state;
	struct import_opts cp1252 = { .encoding = "cp1252" };
	char before[512], after[512];

	seed(f);
	/* "Café" and curly quotes as Windows-1252 bytes */
	import_with_ok(f, "sites", "code;name;kind\nS5;Caf\xe9 \x93Nord\x94;school\n", &cp1252);
	assert_text(f, "SELECT name FROM site WHERE code = 'S5'", "Café “Nord”");
	/* a byte Windows-1252 lacks: its line and column, nothing imported */
	fingerprint(f, before, sizeof(before));
	assert_int_not_equal(import_with(f, "sites", "code,name,kind\nS6,Oak,school\nS7,Elm\x81,school\n",
		&cp1252), QREL_OK);
	expect_diag(f, 3, "column 2: not valid cp1252 text (byte 0x81); is --encoding right?");
	/* with ';', and in a quoted field holding the delimiter */
	assert_int_not_equal(import_with(f, "sites", "code;name;kind\nS6;\"Oak; Upper\";sch\x8dool\n",
		&cp1252), QREL_OK);
	expect_diag(f, 2, "column 3: not valid cp1252 text (byte 0x8d); is --encoding right?");
	/* on the header line, before the delimiter is known */
	assert_int_not_equal(import_with(f, "sites", "code;na\x90me;kind\n", &cp1252), QREL_OK);
	expect_diag(f, 1, "column 2: not valid cp1252 text (byte 0x90); is --encoding right?");
	fingerprint(f, after, sizeof(after));
	assert_string_equal(before, after);
	assert_int_equal(csv_encoding_check("no-such-encoding"), QREL_USAGE);
}

/* Excel's "Unicode text": UTF-16 little-endian with its BOM, tab-separated. */
static void
test_utf16(void **state)
{
	struct fx *f = *state;
	static const char text[] = "code\tname\tkind\nS5\tZo\xeb\tschool\n";	/* Latin-1 code units */
	struct import_opts o = { .encoding = "UTF-16" };
	FILE *out;

	seed(f);
	snprintf(f->path, sizeof(f->path), "%s/utf16.csv", f->dir);
	assert_non_null(out = fopen(f->path, "wb"));
	fputs("\xff\xfe", out);
	for (const char *p = text; *p; p++) {
		fputc((unsigned char)*p, out);
		fputc(0, out);
	}
	fclose(out);
	diag_free(&f->d);
	if (import_file_opts(f->db, f->review, "sites", f->path, "Ann Lead", &o, &f->d, &f->st) != QREL_OK)
		diag_print(&f->d, stderr);
	assert_int_equal(f->d.n, 0);
	assert_text(f, "SELECT name FROM site WHERE code = 'S5'", "Zo\xc3\xab");
	/* its BOM says so without --encoding */
	diag_free(&f->d);
	assert_int_equal(import_file_opts(f->db, f->review, "sites", f->path, "Ann Lead", NULL, &f->d, &f->st),
		QREL_OK);
	assert_stats(f, 0, 0, 1);
}

static void
test_level_labels(void **state)
{
	struct fx *f = *state;

	seed(f);
	assert_int_equal(db_exec(f->db, "INSERT INTO scale_level(framework_id, level, label, description) VALUES "
		"(1, 1, 'Initiating', ''), (1, 2, 'Developing', ''), (1, 3, 'Established', '')"), QREL_OK);
	import_ok(f, "scores", "site,cluster,rater,kind,level\n"
		"S1,1.1,Ray Viewer,team,developing\nS1,1.2,Ray Viewer,team,ESTABLISHED\nS1,2.1,Ray Viewer,team,1\n");
	assert_int_equal(query_int(f, "SELECT level FROM score WHERE cluster_id = 1"), 2);
	assert_int_equal(query_int(f, "SELECT level FROM score WHERE cluster_id = 2"), 3);
	assert_int_equal(query_int(f, "SELECT level FROM score WHERE cluster_id = 3"), 1);
	refused(f, "scores", "site,cluster,rater,kind,level\nS1,1.1,Ray Viewer,team,Expert\n", 2,
		"column level: must be a level from 1 to 3 or its label, NE (insufficient evidence) or "
		"empty ('Expert')");
}

static void
test_iso_times(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "evidence", "created_at,site,source,author,clusters,text\n"
		"2026-03-04T10:15:30.250+02:00,S1,interview,Ray Viewer,1.1,Offset and fraction\n"
		"2026-03-04T23:30:00-0130,S1,interview,Ray Viewer,1.1,Past midnight in UTC\n"
		"2026-03-04 07:01:02.5Z,S1,interview,Ray Viewer,1.1,Space and Z\n");
	assert_text(f, "SELECT created_at FROM note WHERE text LIKE 'Offset%'", "2026-03-04T08:15:30Z");
	assert_text(f, "SELECT created_at FROM note WHERE text LIKE 'Past%'", "2026-03-05T01:00:00Z");
	assert_text(f, "SELECT created_at FROM note WHERE text LIKE 'Space%'", "2026-03-04T07:01:02Z");
	/* an activity keeps the local time it was held at */
	import_ok(f, "activities", "site,source,held_at,description\n"
		"S1,focus_group,2026-03-04T09:30:00.000+02:00,Parents\n");
	assert_text(f, "SELECT held_at FROM activity", "2026-03-04T09:30:00");
	refused(f, "evidence", "created_at,site,source,author,clusters,text\n"
		"2026-03-04T10:15:30+25:00,S1,interview,Ray Viewer,1.1,Bad offset\n", 2,
		"column created_at: not a date or time (YYYY-MM-DD, YYYY-MM-DDTHH:MM or YYYY-MM-DDTHH:MM:SS, "
		"with a fraction and Z or an offset like +02:00 if wanted) ('2026-03-04T10:15:30+25:00')");
}

static void
write_file(struct fx *f, char *path, size_t size, const char *name, const char *text)
{
	FILE *out;

	snprintf(path, size, "%s/%s", f->dir, name);
	assert_non_null(out = fopen(path, "w"));
	fputs(text, out);
	fclose(out);
}

/* A KoboToolbox export: ';', group/column names, its own columns, a multiple choice. */
static const char kobo_csv[] =
	"start;end;group_visit/site;group_visit/source_type;group_visit/clusters;group_visit/note;"
	"_id;_uuid;_submission_time;_validation_status;_index\n"
	"2026-03-04T10:15:30.250+02:00;2026-03-04T10:45:00.000+02:00;S1;interview;1.1 1.2;"
	"\"Students said \"\"we are heard\"\"\";101;4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab;2026-03-04T08:50:12;;1\n"
	"2026-03-05T09:00:00.000+02:00;;S2;;2.1;Hall displays in three languages;102;"
	"5f1c2d3e-aaaa-4bbb-8ccc-0123456789ab;2026-03-05T07:01:02;;2\n";

static const char kobo_ini[] =
	"; which of the export's columns is which of ours\n"
	"[columns]\n"
	"site = group_visit/site\n"
	"source = group_visit/source_type\n"
	"clusters = group_visit/clusters\n"
	"text = group_visit/note\n"
	"created_at = _submission_time\n"
	"id = _uuid\n"
	"[values]\n"
	"author = Ray Viewer\n"
	"source = site_observation\n";

static void
test_kobo_mapping(void **state)
{
	struct fx *f = *state;
	char map[200];
	struct import_opts o = { .mapping = map };

	seed(f);
	write_file(f, map, sizeof(map), "kobo.ini", kobo_ini);
	import_with_ok(f, "evidence", kobo_csv, &o);
	assert_stats(f, 2, 0, 0);
	assert_int_equal(f->d.nwarn, 1);	/* start, end, _id, ... are named once */
	assert_non_null(strstr(f->d.warn[0], "'start', 'end', '_id', '_validation_status', '_index'"));
	assert_text(f, "SELECT text || '|' || source || '|' || created_at FROM note "
		"WHERE uuid = '4f1c2d3e-aaaa-4bbb-8ccc-0123456789ab'",
		"Students said \"we are heard\"|interview|2026-03-04T08:50:12Z");
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_cluster nc JOIN note n ON n.id = nc.note_id "
		"WHERE n.uuid LIKE '4f1c%'"), 2);
	/* the empty source takes the mapping's value; the author is the fixed one */
	assert_text(f, "SELECT source || '|' || p.name FROM note n JOIN person p ON p.id = n.author_id "
		"WHERE n.uuid LIKE '5f1c%'", "site_observation|Ray Viewer");
	/* the same export again adds nothing */
	import_with_ok(f, "evidence", kobo_csv, &o);
	assert_stats(f, 0, 0, 2);
}

static void
test_odk_mapping(void **state)
{
	struct fx *f = *state;
	char map[200];
	struct import_opts o = { .mapping = map };

	seed(f);
	/* ODK Central: '-' joins group names, meta-instanceID has a uuid: prefix */
	write_file(f, map, sizeof(map), "odk.ini", "[columns]\nsite = visit-site\ntext = visit-note\n"
		"clusters = visit-clusters\ncreated_at = SubmissionDate\nid = meta-instanceID\n"
		"author = SubmitterName\n[values]\nsource = site_observation\n");
	import_with_ok(f, "evidence", "SubmissionDate,visit-site,visit-clusters,visit-note,meta-instanceID,"
		"SubmitterID,SubmitterName,KEY\n"
		"2026-03-04T08:50:12.345Z,S1,1.2,Timetable shows no EL support,"
		"uuid:6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab,7,Ray Viewer,uuid:6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab\n", &o);
	assert_text(f, "SELECT uuid || '|' || created_at FROM note", "6f1c2d3e-aaaa-4bbb-8ccc-0123456789ab|"
		"2026-03-04T08:50:12Z");
}

static void
test_mapping_refused(void **state)
{
	struct fx *f = *state;
	char map[200], want[400];
	struct import_opts o = { .mapping = map };

	seed(f);
	write_file(f, map, sizeof(map), "bad.ini", "[columns]\nsites = group_visit/site\n[extra]\nx = y\n");
	assert_int_not_equal(import_with(f, "evidence", kobo_csv, &o), QREL_OK);
	snprintf(want, sizeof(want), "%s:2: unknown column 'sites' (the columns are: id, created_at, site, "
		 "source, author, valence, clusters, subgroups, activity, text, groups)", map);
	assert_string_equal(f->d.msg[0], want);
	snprintf(want, sizeof(want), "%s:4: unknown section [extra] (the sections are [columns] and [values])", map);
	assert_string_equal(f->d.msg[1], want);
	/* a mapped column the export lacks: named with both files' lines */
	write_file(f, map, sizeof(map), "typo.ini", "[columns]\nsite = group_visit/sitio\n");
	assert_int_not_equal(import_with(f, "evidence", kobo_csv, &o), QREL_OK);
	snprintf(want, sizeof(want), "no column 'group_visit/sitio' (%s:2 maps site to it)", map);
	expect_diag(f, 1, want);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), 0);
}

/* A bad value read through a mapping names our column, theirs, and the
 * mapping's line; a bad fixed value names the mapping's line. */
static void
test_mapping_value_refused(void **state)
{
	struct fx *f = *state;
	char map[200], want[600];
	struct import_opts o = { .mapping = map };

	seed(f);
	write_file(f, map, sizeof(map), "kobo.ini", "[columns]\nsite = group_visit/site\nsource = group_visit/source_type\n"
		"clusters = group_visit/clusters\ntext = group_visit/note\n[values]\nauthor = Nobody Known\n");
	assert_int_not_equal(import_with(f, "evidence", "group_visit/site;group_visit/source_type;group_visit/clusters;"
		"group_visit/note\nS9;interview;1.1;A note\n", &o), QREL_OK);
	snprintf(want, sizeof(want), "column site (their column 'group_visit/site', %s:2): ", map);
	assert_non_null(strstr(f->d.msg[0], want));
	assert_non_null(strstr(f->d.msg[0], ":2: column site"));
	snprintf(want, sizeof(want), ":2: column author (the value %s:7 gives): ", map);
	for (size_t i = 0; i < f->d.n && want[0]; i++)
		if (strstr(f->d.msg[i], want))
			want[0] = '\0';
	if (want[0]) {
		diag_print(&f->d, stderr);
		fail_msg("no diagnostic with \"%s\"", want);
	}
	assert_int_equal(query_int(f, "SELECT count(*) FROM note"), 0);
}

/* The state kind's gate refusal names its line and column. */
static void
test_state_gate_column(void **state)
{
	struct fx *f = *state;

	seed(f);
	import_ok(f, "metrics", metrics_csv);
	write_csv(f, "state", "year,metric,dimension,group,enrolled,count\n2023-24,oss,race,White,390000,3100\n");
	diag_free(&f->d);
	assert_int_not_equal(import_file(f->db, f->review, "state", f->path, "Ray Viewer", &f->d, &f->st), QREL_OK);
	assert_non_null(strstr(f->d.msg[0], ":2: column metric: "));
	assert_int_equal(query_int(f, "SELECT count(*) FROM state_row"), 0);
}

static void
test_wide_scores(void **state)
{
	struct fx *f = *state;
	struct import_opts wide = { .wide = true };

	seed(f);
	/* R's write.csv: an unnamed row-name column, NA for no rating */
	import_with_ok(f, "scores", "\"\",\"site\",\"cluster\",\"Ray Viewer\",\"Ann Lead\"\n"
		"\"1\",\"S1\",\"1.1\",2,3\n\"2\",\"S1\",\"1.2\",NA,1\n\"3\",\"S2\",\"2.1\",NE,\n", &wide);
	assert_stats(f, 4, 0, 0);
	assert_int_equal(query_int(f, "SELECT count(*) FROM score WHERE kind = 'team'"), 4);
	assert_int_equal(query_int(f, "SELECT level FROM score s JOIN person p ON p.id = s.rater_id "
		"WHERE p.name = 'Ann Lead' AND cluster_id = 1"), 3);
	assert_int_equal(query_int(f, "SELECT insufficient FROM score s JOIN person p ON p.id = s.rater_id "
		"WHERE p.name = 'Ray Viewer' AND cluster_id = 3"), 1);
	/* an error names the rater's column and its line */
	refused_with(f, "scores", "site;cluster;Ray Viewer;Ann Lead\nS1;1.1;2;3\nS1;1.2;1;7\n", &wide, 3,
		"column 'Ann Lead' (level): must be a level from 1 to 3 or its label, NE (insufficient evidence) "
		"or empty ('7')");
	refused_with(f, "scores", "site,cluster,Nobody\nS1,1.1,2\n", &wide, 2,
		"column 'Nobody' (rater): unknown person ('Nobody')");
	assert_int_not_equal(import_with(f, "sites", "code,name,kind\n", &wide), QREL_OK);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
		T(test_sites),
		T(test_people),
		T(test_people_update),
		T(test_activities),
		T(test_metrics),
		T(test_evidence),
		T(test_scores),
		T(test_subgroups),
		T(test_state),
		T(test_missing_column),
		T(test_unknown_column),
		T(test_bom_semicolon_tab),
		T(test_encoding),
		T(test_utf16),
		T(test_level_labels),
		T(test_iso_times),
		T(test_kobo_mapping),
		T(test_odk_mapping),
		T(test_mapping_refused),
		T(test_mapping_value_refused),
		T(test_state_gate_column),
		T(test_wide_scores),
		T(test_not_integer),
		T(test_negative),
		T(test_count_over_enrolled),
		T(test_unknown_site),
		T(test_state_refused),
		T(test_bad_utf8),
		T(test_unterminated_quote),
		T(test_duplicate_key),
		T(test_principal_other_school),
		T(test_role_rules),
		T(test_all_errors),
		T(test_evidence_errors),
		T(test_evidence_repeats),
		T(test_evidence_gate_rows),
		T(test_field_count),
		T(test_unknown_kind),
		T(test_quoted_fields),
		T(test_crlf),
		T(test_bom),
		T(test_csv_lines),
#undef T
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
