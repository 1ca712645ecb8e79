/* generate.c: builds a large synthetic review for the benchmark, from a seed:
 * sites, clusters, raters, evidence notes and subgroup data, straight into SQL. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/review.h"
#include "qrel/util.h"

#include <time.h>
#include <unistd.h>

struct size {
	int sites, clusters, raters, notes, years, metrics, dimensions;
};

static uint64_t rng_state;

static uint32_t
rnd(uint32_t n)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return n ? (uint32_t)(rng_state % n) : 0;
}

static const char *const words[] = {
	"students", "teachers", "families", "principal", "district", "data", "discipline", "suspension",
	"restorative", "practice", "equity", "access", "advanced", "coursework", "placement", "support",
	"intervention", "attendance", "belonging", "climate", "survey", "focus", "group", "interview",
	"curriculum", "instruction", "assessment", "grading", "feedback", "learners", "english", "disability",
	"identification", "referral", "counselor", "schedule", "budget", "resources", "staff", "hiring",
	"professional", "learning", "coaching", "observation", "classroom", "engagement", "community",
	"partnership", "translation", "communication", "voice", "council", "strategic", "plan", "goals",
	"monitoring", "accountability", "disaggregated", "subgroup", "gap", "growth", "achievement",
	"expectations", "culturally", "responsive", "materials", "library", "technology", "mentoring",
	"transportation", "meals", "counseling", "wellbeing", "safety", "trust", "consistent", "uneven",
	"strong", "limited", "emerging", "embedded", "reported", "described", "noted", "observed",
};

static void
sentence(char *buf, size_t size, int nwords)
{
	size_t used = 0;

	for (int i = 0; i < nwords && used + 24 < size; i++)
		used += (size_t)snprintf(buf + used, size - used, "%s%s", i ? " " : "",
					 words[rnd(ARRAY_SIZE(words))]);
	if (used + 2 < size)
		memcpy(buf + used, ".", 2);
}

static char *
write_framework(const struct size *sz, const char *dir)
{
	char *path = path_join(dir, "bench-framework.ini");
	FILE *f = fopen(path, "w");

	if (!f)
		return NULL;
	fprintf(f, "[framework]\ncode = bench\ntitle = Benchmark framework\nversion = 1\n\n"
		   "[scale]\nlevels = 3\nlabel1 = Initiating\ndescribe1 = Needs support.\n"
		   "label2 = Developing\ndescribe2 = Consistent strengths.\n"
		   "label3 = Established\ndescribe3 = Major strengths.\n");
	for (int d = 1; d <= 4; d++)
		fprintf(f, "\n[domain %d]\ntitle = Domain %d of the benchmark review\n", d, d);
	for (int c = 0; c < sz->clusters; c++) {
		char text[400];

		fprintf(f, "\n[cluster %d.%d]\ndomain = %d\ntitle = Cluster %d about equity practice\n",
			c % 4 + 1, c / 4 + 1, c % 4 + 1, c + 1);
		for (int l = 1; l <= 3; l++) {
			sentence(text, sizeof(text), 30 + (int)rnd(20));
			fprintf(f, "level%d = %s\n", l, text);
		}
	}
	fclose(f);
	return path;
}

static int
exec_bound(struct db *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = db_stmt(db, sql);
	va_list ap;

	if (!st)
		return QREL_DB;
	va_start(ap, fmt);
	for (int i = 1; fmt[i - 1]; i++) {
		if (fmt[i - 1] == 't')
			db_bind_text(st, i, va_arg(ap, const char *));
		else
			sqlite3_bind_int64(st, i, va_arg(ap, long long));
	}
	va_end(ap);
	return db_step_done(db, st, "generating");
}

static int
gen_sites_people(struct db *db, const struct size *sz)
{
	static const char site_sql[] = "INSERT INTO site(uuid, review_id, code, name, kind) VALUES (?, 1, ?, ?, ?)";
	static const char person_sql[] = "INSERT INTO person(uuid, review_id, name, role, site_id) VALUES (?, 1, ?, ?, ?)";
	char uuid[UUID_LEN + 1], code[32], name[96];
	int rc = QREL_OK;

	for (int s = 1; rc == QREL_OK && s <= sz->sites; s++) {
		snprintf(code, sizeof(code), "S%03d", s);
		snprintf(name, sizeof(name), "School number %d", s);
		uuid_new(uuid);
		rc = exec_bound(db, site_sql, "tttt", uuid, code, name, s == 1 ? "district" : "school");
		snprintf(name, sizeof(name), "Principal %03d", s);
		uuid_new(uuid);
		if (rc == QREL_OK)
			rc = exec_bound(db, person_sql, "tttn", uuid, name, "principal", (long long)s);
	}
	for (int r = 0; rc == QREL_OK && r < sz->raters; r++) {
		snprintf(name, sizeof(name), r == 0 ? "Lead %02d" : "Reviewer %02d", r);
		uuid_new(uuid);
		rc = exec_bound(db, "INSERT INTO person(uuid, review_id, name, role) VALUES (?, 1, ?, ?)", "ttt",
				uuid, name, r == 0 ? "lead" : "reviewer");
	}
	return rc;
}

/* Raters' person ids follow the principals': sites + 1 .. sites + raters. */
static int
gen_scores(struct db *db, const struct size *sz)
{
	static const char sql[] = "INSERT INTO score(uuid, review_id, site_id, cluster_id, rater_id, kind, level, "
				  "rationale, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, '2026-03-01T10:00:00Z')";
	char uuid[UUID_LEN + 1], text[200];
	int rc = QREL_OK;

	for (int s = 1; rc == QREL_OK && s <= sz->sites; s++) {
		for (int c = 1; rc == QREL_OK && c <= sz->clusters; c++) {
			int base = 1 + (int)rnd(3);

			for (int r = 0; rc == QREL_OK && r < sz->raters; r++) {
				int level = base + (int)rnd(3) - 1;

				level = level < 1 ? 1 : level > 3 ? 3 : level;
				sentence(text, sizeof(text), 8 + (int)rnd(10));
				uuid_new(uuid);
				rc = exec_bound(db, sql, "tnnntnt", uuid, (long long)s, (long long)c,
						(long long)(sz->sites + 1 + r), "team", (long long)level, text);
			}
			uuid_new(uuid);
			if (rc == QREL_OK)
				rc = exec_bound(db, sql, "tnnntnt", uuid, (long long)s, (long long)c, (long long)s,
						"self", (long long)(base < 3 ? base + 1 : 3), "Self-evaluation.");
			uuid_new(uuid);
			if (rc == QREL_OK && rnd(2))
				rc = exec_bound(db, sql, "tnnntnt", uuid, (long long)s, (long long)c,
						(long long)(sz->sites + 1), "consensus", (long long)base, "Agreed.");
		}
	}
	return rc;
}

static const char *const sources[] = {
	"interview", "focus_group", "document_review", "site_observation", "remote_observation", "survey",
};
static const char *const valences[] = { "strength", "growth", "neutral" };

static int
gen_note(struct db *db, const struct size *sz, int i)
{
	static const char note_sql[] = "INSERT INTO note(uuid, review_id, site_id, source, author_id, valence, text, "
				       "created_at, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?)";
	static const char tag_sql[] = "INSERT OR IGNORE INTO note_cluster(note_id, cluster_id) VALUES (?, ?)";
	char uuid[UUID_LEN + 1], text[1400], when[24];
	int rc, tags = 1 + (int)rnd(3);
	long long id;

	sentence(text, sizeof(text), rnd(4) ? 12 + (int)rnd(30) : 60 + (int)rnd(120));
	snprintf(when, sizeof(when), "2026-%02d-%02dT%02d:%02d:%02dZ", 1 + i % 6, 1 + (i / 6) % 28,
		 8 + (i / 168) % 10, (i / 1680) % 60, i % 60);
	uuid_new(uuid);
	rc = exec_bound(db, note_sql, "tntntttt", uuid, (long long)(1 + rnd((uint32_t)sz->sites)),
			sources[rnd(ARRAY_SIZE(sources))], (long long)(sz->sites + 1 + rnd((uint32_t)sz->raters)),
			valences[rnd(3)], text, when, when);
	id = sqlite3_last_insert_rowid(db_handle(db));
	for (int t = 0; rc == QREL_OK && t < tags; t++)
		rc = exec_bound(db, tag_sql, "nn", id, (long long)(1 + rnd((uint32_t)sz->clusters)));
	return rc;
}

static const char *const race_groups[] = {
	"American Indian or Alaska Native", "Asian", "Black or African American", "Hispanic or Latino",
	"Native Hawaiian or Other Pacific Islander", "White", "Two or more races",
};

struct dimension {
	const char *name;
	const char *const *groups;
	int ngroups;
};

static const char *const swd[] = { "Students with disabilities", "Students without disabilities" };
static const char *const ell[] = { "English learners", "Non-English learners" };
static const char *const econ[] = { "Economically disadvantaged", "Not economically disadvantaged" };
static const char *const gender[] = { "Female", "Male" };
static const struct dimension dimensions[] = {
	{ "race", race_groups, 7 }, { "disability", swd, 2 }, { "ell", ell, 2 }, { "econ", econ, 2 },
	{ "gender", gender, 2 },
};

static int
gen_metrics(struct db *db, const struct size *sz)
{
	static const char sql[] = "INSERT INTO metric(uuid, review_id, code, name, direction, cluster_id) "
				  "VALUES (?, 1, ?, ?, ?, ?)";
	char uuid[UUID_LEN + 1], code[16], name[64];
	int rc = QREL_OK;

	for (int m = 1; rc == QREL_OK && m <= sz->metrics; m++) {
		snprintf(code, sizeof(code), "m%02d", m);
		snprintf(name, sizeof(name), "Metric %02d", m);
		uuid_new(uuid);
		rc = exec_bound(db, sql, "ttttn", uuid, code, name, m % 3 ? "adverse" : "favourable",
				(long long)(1 + (m - 1) % sz->clusters));
	}
	return rc;
}

static int
gen_subgroups(struct db *db, const struct size *sz, int site)
{
	static const char sql[] = "INSERT INTO subgroup_row(uuid, review_id, site_id, year, metric_id, dimension, grp, "
				  "enrolled, count, updated_at) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, '2026-03-01T10:00:00Z')";
	char uuid[UUID_LEN + 1], year[16];
	int rc = QREL_OK;

	for (int y = 0; rc == QREL_OK && y < sz->years; y++) {
		snprintf(year, sizeof(year), "%d-%02d", 2015 + y, (16 + y) % 100);
		for (int m = 1; rc == QREL_OK && m <= sz->metrics; m++) {
			for (int d = 0; rc == QREL_OK && d < sz->dimensions && d < (int)ARRAY_SIZE(dimensions); d++) {
				for (int g = 0; rc == QREL_OK && g < dimensions[d].ngroups; g++) {
					long enrolled = 3 + (long)rnd(600), count = (long)rnd((uint32_t)enrolled / 4 + 1);

					uuid_new(uuid);
					rc = exec_bound(db, sql, "tntnttnn", uuid, (long long)site, year, (long long)m,
							dimensions[d].name, dimensions[d].groups[g],
							(long long)enrolled, (long long)count);
				}
			}
		}
	}
	return rc;
}

/* Commits every `every` calls of fn (a huge transaction would hold the whole WAL). */
static int
step(struct db *db, const char *what, int (*fn)(struct db *, const struct size *, int),
     const struct size *sz, int count, int every)
{
	struct timespec a, b;
	int rc = db_begin(db);

	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int i = 1; rc == QREL_OK && i <= count; i++) {
		rc = fn(db, sz, i);
		if (rc == QREL_OK && i % every == 0 && (rc = db_commit(db)) == QREL_OK)
			rc = db_begin(db);
	}
	rc = rc == QREL_OK ? db_commit(db) : (db_rollback(db), rc);
	clock_gettime(CLOCK_MONOTONIC, &b);
	fprintf(stderr, "  %-16s %8d in %6.2f s%s\n", what, count,
		(double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9, rc == QREL_OK ? "" : " (failed)");
	return rc;
}

static int once_sites(struct db *db, const struct size *sz, int i) { UNUSED(i); return gen_sites_people(db, sz); }
static int once_scores(struct db *db, const struct size *sz, int i) { UNUSED(i); return gen_scores(db, sz); }
static int once_metrics(struct db *db, const struct size *sz, int i) { UNUSED(i); return gen_metrics(db, sz); }

static int
parse_args(int argc, char **argv, const char **path, struct size *sz, unsigned long *seed)
{
	static const struct size large = { 200, 20, 12, 200000, 10, 30, 5 };
	/* small: enough sites that the overview scrolls at 200x60 (a series whose keys
	 * change nothing fails the harness) */
	static const struct size small = { 80, 20, 4, 2000, 2, 3, 5 };

	*sz = large;
	*seed = 1;
	*path = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--small") == 0)
			*sz = small;
		else if (strcmp(argv[i], "--seed") == 0 && i + 1 < argc)
			*seed = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--notes") == 0 && i + 1 < argc)
			sz->notes = atoi(argv[++i]);
		else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc && atoi(argv[i + 1]) > 0) {
			/* the review grown N times: sites, notes and so subgroup rows (the team stays) */
			int n = atoi(argv[++i]);

			sz->sites *= n;
			sz->notes *= n;
		}
		else if (argv[i][0] != '-' && !*path)
			*path = argv[i];
		else
			return -1;
	}
	return *path ? 0 : -1;
}

int
main(int argc, char **argv)
{
	struct diags d = { 0 };
	struct size sz;
	unsigned long seed;
	const char *path;
	char *fw, dir[] = "/tmp/qrel-bench-XXXXXX";
	struct db *db;
	int64_t review;
	int rc;

	if (parse_args(argc, argv, &path, &sz, &seed) != 0 || !mkdtemp(dir)) {
		fprintf(stderr, "usage: bench/generate [--small] [--seed N] [--notes N] [--scale N] FILE.db\n");
		return 2;
	}
	rng_state = 0x9e3779b97f4a7c15ULL ^ seed;
	unlink(path);
	fw = write_framework(&sz, dir);
	rc = fw ? db_open(path, DB_CREATE, &db) : QREL_IO;
	if (rc == QREL_OK && (rc = review_init(db, fw, "Benchmark review", "State", &d, &review)) == QREL_OK) {
		fprintf(stderr, "generating %s (seed %lu):\n", path, seed);
		db_exec(db, "PRAGMA temp_store = MEMORY");	/* statement journals off the disk */
		/* A throw-away file: no fsync, and a large page cache (the ten-times
		 * review's indexes outgrow the default 2 MiB many times). FTS5 keeps its
		 * own settings: without merges (automerge 0, crisismerge 1000) the
		 * ten-times review's notes failed near the end with SQLITE_FULL. */
		db_exec(db, "PRAGMA synchronous = OFF");
		db_exec(db, "PRAGMA cache_size = -1048576");
		rc = step(db, "sites, people", once_sites, &sz, 1, 1);
		if (rc == QREL_OK)
			rc = step(db, "scores", once_scores, &sz, 1, 1);
		if (rc == QREL_OK)
			rc = step(db, "notes", gen_note, &sz, sz.notes, 20000);
		if (rc == QREL_OK)
			rc = step(db, "metrics", once_metrics, &sz, 1, 1);
		if (rc == QREL_OK)
			rc = step(db, "subgroup sites", gen_subgroups, &sz, sz.sites, 20);	/* 90,000 rows */
		/* One full-text segment instead of many: as after a large import. */
		if (rc == QREL_OK)
			db_exec(db, "INSERT INTO note_fts(note_fts) VALUES ('optimize')");
		db_exec(db, "PRAGMA optimize");
		db_close(db);
	}
	diag_print(&d, stderr);
	if (fw)
		unlink(fw);
	free(fw);
	rmdir(dir);
	if (rc != QREL_OK)
		fprintf(stderr, "generate: %s\n", error_message());
	return rc == QREL_OK ? 0 : 1;
}
