/* Unit tests of the CSV reader and the importers, against a temporary review database. */
#include "qrel/qrel.h"

#include <setjmp.h>
#include <cmocka.h>

#include <dirent.h>
#include <unistd.h>

#include "qrel/csv.h"
#include "qrel/db.h"
#include "qrel/diag.h"
#include "qrel/import.h"
#include "qrel/store.h"
#include "qrel/util.h"

struct fx {
	char dir[64];
	char path[160];		/* the last CSV file written */
	int nfile;
	struct db *db;
	int64_t review;
	struct diags d;
	struct import_stats st;
};

static const char framework_sql[] =
	"INSERT INTO framework(uuid, code, title, version, hash, levels, source) "
	"VALUES ('f0000000-0000-4000-8000-000000000001', 'test', 'Test', '1', 'h', 3, '');"
	"INSERT INTO domain(framework_id, code, title, position) VALUES (1, '1', 'Outcomes', 1);"
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
	char dbpath[96];
	int64_t fw = 1;

	if (!f)
		return -1;
	setenv("QREL_NOW", "2024-05-01T10:00:00Z", 1);
	strcpy(f->dir, "/tmp/qrel-import-XXXXXX");
	if (!mkdtemp(f->dir))
		return -1;
	snprintf(dbpath, sizeof(dbpath), "%s/t.db", f->dir);
	if (db_open(dbpath, DB_CREATE, &f->db) != QREL_OK || db_exec(f->db, framework_sql) != QREL_OK ||
	    store_review_create(f->db, "Test review", "District", fw, &f->review) != QREL_OK)
		return -1;
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	DIR *dir = opendir(f->dir);
	struct dirent *e;

	db_close(f->db);
	while (dir && (e = readdir(dir))) {
		char p[400];

		if (e->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", f->dir, e->d_name);
		unlink(p);
	}
	if (dir)
		closedir(dir);
	rmdir(f->dir);
	diag_free(&f->d);
	free(f);
	return 0;
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
import(struct fx *f, const char *kind, const char *text)
{
	write_csv(f, kind, text);
	diag_free(&f->d);
	char lead[128] = "";

	/* The review's lead imports once there is one (the gate lets only them add
	 * sites, people and data); before that, whoever sets the review up. */
	if (store_lead_name(f->db, f->review, lead, sizeof(lead)) != QREL_OK || !*lead)
		snprintf(lead, sizeof(lead), "tester");
	return import_file(f->db, f->review, kind, f->path, lead, &f->d, &f->st);
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
	sqlite3_stmt *st;
	long long v = -1;

	assert_int_equal(sqlite3_prepare_v2(db_handle(f->db), sql, -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
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
refused(struct fx *f, const char *kind, const char *text, int line, const char *diag)
{
	char before[512], after[512];

	fingerprint(f, before, sizeof(before));
	assert_int_not_equal(import(f, kind, text), QREL_OK);
	expect_diag(f, line, diag);
	assert_int_equal(f->st.inserted + f->st.updated + f->st.unchanged, 0);
	fingerprint(f, after, sizeof(after));
	assert_string_equal(before, after);
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

	refused(f, "sites", "code,name,kind,colour\nS9,Elm,school,red\n", 1,
		"unknown column 'colour' (the columns are: code, name, kind)");
	refused(f, "sites", "code,Name,kind,name\nS9,Elm,school,x\n", 1,
		"column name appears twice (columns 2 and 4)");
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
	expect_diag(f, 6, "duplicates line 4 (the same year, metric, dimension and group)");
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
		"column name: not valid UTF-8");
	refused(f, "sites", "code,name,kind\nS9,\xc0\xaf,school\n", 2, "column name: not valid UTF-8");
}

static void
test_unterminated_quote(void **state)
{
	struct fx *f = *state;

	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS9,\"Open,school\nS7,Ash,school\n", 3,
		"malformed CSV: a quoted field that starts in this record is never closed");
	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS9,Ol\"d,school\n", 3,
		"malformed CSV: a stray '\"' (a field holding a quote must be quoted, with the quote "
		"doubled); reading stopped here");
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
		"duplicates line 2 (the same site, cluster, rater and kind)");
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
	expect_diag(f, 6, "column level: must be a level from 1 to 3, NE (insufficient evidence) or "
		"empty ('4')");
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
		"YYYY-MM-DDTHH:MM:SS) ('2024-02-30')");
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
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_config WHERE k = 'automerge' AND v = 4"), 1);
	assert_int_equal(query_int(f, "SELECT count(*) FROM note_fts_config WHERE k = 'hashsize' AND v = 1048576"), 1);
}

static void
test_field_count(void **state)
{
	struct fx *f = *state;

	refused(f, "sites", "code,name,kind\nS8,Elm,school\nS9,Elm, Upper,school\n", 3,
		"4 fields where the header has 3 (a field holding a comma must be quoted)");
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
