/* framework.c: reads a rubric framework INI, checks every rule, stores and exports it. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/framework.h"
#include "qrel/ini.h"
#include "qrel/util.h"

#define FW_MAX_LEVELS 9

struct loader {
	struct ini *ini;
	struct framework *fw;
	struct diags *d;
};

static const char *
need(struct loader *l, const char *section, const char *key)
{
	const char *v = ini_get(l->ini, section, key);
	int line = ini_line(l->ini, section, key);

	if (v && *v)
		return v;
	if (line)
		diag_add(l->d, ini_path(l->ini), line, "[%s] %s is empty", section, key);
	else
		diag_add(l->d, ini_path(l->ini), ini_line(l->ini, section, ""), "[%s] has no '%s'",
			section, key);
	return "";
}

static void
load_header(struct loader *l)
{
	struct framework *fw = l->fw;
	const char *levels = ini_get(l->ini, "scale", "levels");
	long n = 0;

	fw->code = xstrdup(need(l, "framework", "code"));
	fw->title = xstrdup(need(l, "framework", "title"));
	fw->version = xstrdup(need(l, "framework", "version"));
	if (!levels || !str_to_long(levels, &n) || n < 2 || n > FW_MAX_LEVELS) {
		diag_add(l->d, ini_path(l->ini), ini_line(l->ini, "scale", "levels"),
			"[scale] levels must be a whole number from 2 to %d", FW_MAX_LEVELS);
		n = 0;
	}
	fw->levels = (int)n;
	fw->scale = calloc((size_t)n + 1, sizeof(*fw->scale));
	for (int i = 1; i <= fw->levels; i++) {
		char key[24];

		snprintf(key, sizeof(key), "label%d", i);
		fw->scale[i - 1].label = xstrdup(need(l, "scale", key));
		snprintf(key, sizeof(key), "describe%d", i);
		fw->scale[i - 1].description = xstrdup(need(l, "scale", key));
	}
}

/* "cluster 1.2" -> "1.2" */
static char *
section_code(const char *section, const char *prefix)
{
	const char *s = section + strlen(prefix);

	while (*s == ' ' || *s == '\t')
		s++;
	return xstrdup(s);
}

static size_t
find_domain(const struct framework *fw, const char *code)
{
	for (size_t i = 0; i < fw->ndomains; i++)
		if (strcmp(fw->domains[i].code, code) == 0)
			return i;
	return (size_t)-1;
}

static void
load_domain(struct loader *l, const char *section)
{
	struct framework *fw = l->fw;
	struct fw_domain *dom;

	fw->domains = realloc(fw->domains, (fw->ndomains + 1) * sizeof(*fw->domains));
	if (!fw->domains)
		abort();
	dom = &fw->domains[fw->ndomains++];
	dom->code = section_code(section, "domain");
	dom->title = xstrdup(need(l, section, "title"));
	if (!*dom->code)
		diag_add(l->d, ini_path(l->ini), 0, "[%s] needs a code, as in [domain 1]", section);
}

static void
load_criteria(struct loader *l, const char *section, struct fw_cluster *c)
{
	for (int i = 1; i < 100; i++) {
		char key[24];
		const char *v;

		snprintf(key, sizeof(key), "criterion%d", i);
		if (!(v = ini_get(l->ini, section, key)))
			break;
		c->criteria = realloc(c->criteria, (c->ncriteria + 1) * sizeof(*c->criteria));
		if (!c->criteria)
			abort();
		c->criteria[c->ncriteria++] = xstrdup(v);
	}
}

static int has_prefix(const char *s, const char *prefix);
static int numbered(const char *key, const char *stem, int max);

static void
push_text(char ***v, size_t *n, const char *text)
{
	*v = realloc(*v, (*n + 1) * sizeof(**v));
	if (!*v)
		abort();
	(*v)[(*n)++] = xstrdup(text);
}

/* Words a group code may not be: the stems of a cluster's own keys. */
static bool
group_code_ok(const char *code)
{
	static const char *const reserved[] = { "title", "domain", "level", "criterion", "question" };

	if (!*code || strlen(code) > 40)
		return false;
	for (const char *p = code; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || *p == '_'))
			return false;
	for (size_t i = 0; i < ARRAY_SIZE(reserved); i++)
		if (strcmp(code, reserved[i]) == 0)
			return false;
	return true;
}

static void
load_group(struct loader *l, const char *section)
{
	struct framework *fw = l->fw;
	struct fw_group *g;

	fw->groups = realloc(fw->groups, (fw->ngroups + 1) * sizeof(*fw->groups));
	if (!fw->groups)
		abort();
	g = memset(&fw->groups[fw->ngroups++], 0, sizeof(*g));
	g->code = section_code(section, "group");
	g->title = xstrdup(need(l, section, "title"));
	if (!group_code_ok(g->code))
		diag_add(l->d, ini_path(l->ini), ini_line(l->ini, section, ""),
			"[%s]: a group code is lowercase letters and '_' (as in [group support_staff]), "
			"and not title, domain, level, criterion or question", section);
	for (int i = 1; i < 100; i++) {
		char key[24];
		const char *v;

		snprintf(key, sizeof(key), "question%d", i);
		if ((v = ini_get(l->ini, section, key)))
			push_text(&g->questions, &g->nquestions, v);
	}
}

/* The group whose questions key holds ("" for questionN, every group), or NULL. */
static const char *
question_group(const struct framework *fw, const char *key)
{
	if (numbered(key, "question", 99))
		return "";
	for (size_t i = 0; i < fw->ngroups; i++)
		if (numbered(key, fw->groups[i].code, 99))
			return fw->groups[i].code;
	return NULL;
}

static void
load_questions(struct loader *l, const char *section, struct fw_cluster *c)
{
	size_t n;
	const struct ini_entry *e = ini_entries(l->ini, &n);

	for (size_t i = 0; i < n; i++) {
		const char *group, *v;

		if (strcmp(e[i].section, section) != 0 || !*e[i].key ||
		    !(group = question_group(l->fw, e[i].key)) || !(v = ini_get(l->ini, section, e[i].key)))
			continue;
		c->questions = realloc(c->questions, (c->nquestions + 1) * sizeof(*c->questions));
		if (!c->questions)
			abort();
		c->questions[c->nquestions].group = xstrdup(group);
		c->questions[c->nquestions++].text = xstrdup(v);
	}
}

static void
load_cluster(struct loader *l, const char *section)
{
	struct framework *fw = l->fw;
	struct fw_cluster *c;
	const char *dom;

	fw->clusters = realloc(fw->clusters, (fw->nclusters + 1) * sizeof(*fw->clusters));
	if (!fw->clusters)
		abort();
	c = memset(&fw->clusters[fw->nclusters++], 0, sizeof(*c));
	c->code = section_code(section, "cluster");
	c->title = xstrdup(need(l, section, "title"));
	dom = need(l, section, "domain");
	c->domain = find_domain(fw, dom);
	if (*dom && c->domain == (size_t)-1)
		diag_add(l->d, ini_path(l->ini), ini_line(l->ini, section, "domain"),
			"[%s] domain '%s' is not defined", section, dom);
	c->descriptors = calloc((size_t)fw->levels + 1, sizeof(char *));
	for (int i = 1; i <= fw->levels; i++) {
		char key[24];

		snprintf(key, sizeof(key), "level%d", i);
		c->descriptors[i - 1] = xstrdup(need(l, section, key));
	}
	load_criteria(l, section, c);
	load_questions(l, section, c);
}

static int
has_prefix(const char *s, const char *prefix)
{
	size_t n = strlen(prefix);

	return strncmp(s, prefix, n) == 0 && (s[n] == ' ' || s[n] == '\t');
}

static int
numbered(const char *key, const char *stem, int max)
{
	long n;

	if (strncmp(key, stem, strlen(stem)) != 0 || !str_to_long(key + strlen(stem), &n))
		return 0;
	return n >= 1 && n <= max;
}

/* iniparser keeps unknown keys silently; a typo in a descriptor key would lose
 * the descriptor, so every key must be one we read. */
static int
key_known(const struct framework *fw, const char *section, const char *key, int levels)
{
	if (!*key)
		return 1;
	if (strcmp(section, "framework") == 0)
		return !strcmp(key, "code") || !strcmp(key, "title") || !strcmp(key, "version");
	if (strcmp(section, "scale") == 0)
		return !strcmp(key, "levels") || numbered(key, "label", levels) ||
		       numbered(key, "describe", levels);
	if (has_prefix(section, "domain"))
		return !strcmp(key, "title");
	if (has_prefix(section, "group"))
		return !strcmp(key, "title") || numbered(key, "question", 99);
	if (has_prefix(section, "cluster"))
		return !strcmp(key, "title") || !strcmp(key, "domain") ||
		       numbered(key, "level", levels) || numbered(key, "criterion", 99) ||
		       question_group(fw, key) != NULL;
	return 0;
}

static void
check_keys(struct loader *l)
{
	size_t n;
	const struct ini_entry *e = ini_entries(l->ini, &n);

	for (size_t i = 0; i < n; i++) {
		const char *s = e[i].section;
		bool section_ok = !strcmp(s, "framework") || !strcmp(s, "scale") ||
				  has_prefix(s, "domain") || has_prefix(s, "cluster") || has_prefix(s, "group");

		if (!section_ok && !*e[i].key)
			diag_add(l->d, ini_path(l->ini), e[i].line,
				"unknown section [%s] (expected framework, scale, domain N, group CODE or cluster N.M)", s);
		else if (section_ok && !key_known(l->fw, s, e[i].key, l->fw->levels))
			diag_add(l->d, ini_path(l->ini), e[i].line, "unknown key '%s' in [%s]", e[i].key, s);
	}
}

static void
check_domains_used(struct loader *l)
{
	struct framework *fw = l->fw;

	if (fw->ndomains == 0)
		diag_add(l->d, ini_path(l->ini), 0, "no [domain N] sections");
	for (size_t i = 0; i < fw->ndomains; i++) {
		size_t used = 0;
		char section[64];

		for (size_t j = 0; j < fw->nclusters; j++)
			used += fw->clusters[j].domain == i;
		snprintf(section, sizeof(section), "domain %s", fw->domains[i].code);
		if (!used)
			diag_add(l->d, ini_path(l->ini), ini_line(l->ini, section, ""),
				"domain %s has no clusters", fw->domains[i].code);
	}
}

static void
load_sections(struct loader *l)
{
	size_t n;
	const char *const *sections = ini_sections(l->ini, &n);

	/* Domains first, so a cluster may name a domain defined anywhere. */
	for (size_t i = 0; i < n; i++)
		if (has_prefix(sections[i], "domain"))
			load_domain(l, sections[i]);
	for (size_t i = 0; i < n; i++)
		if (has_prefix(sections[i], "group"))
			load_group(l, sections[i]);
	for (size_t i = 0; i < n; i++)
		if (has_prefix(sections[i], "cluster"))
			load_cluster(l, sections[i]);
}

int
framework_load(const char *path, struct framework **out, struct diags *d)
{
	struct loader l = { .d = d };
	size_t before = d->n;

	*out = NULL;
	if (!(l.ini = ini_load(path, d)))
		return error(QREL_IO, "%s: cannot read the framework", path);
	if (!(l.fw = calloc(1, sizeof(*l.fw))))
		abort();
	load_header(&l);
	load_sections(&l);
	check_keys(&l);
	check_domains_used(&l);
	ini_free(l.ini);
	if (d->n > before) {
		framework_free(l.fw);
		return error(QREL_PARSE, "%s: %zu problem(s) in the framework", path, d->n - before);
	}
	if (!(l.fw->source = file_read(path, NULL))) {
		framework_free(l.fw);
		return QREL_IO;
	}
	snprintf(l.fw->hash, sizeof(l.fw->hash), "%016llx",
		(unsigned long long)hash64(l.fw->source, strlen(l.fw->source)));
	*out = l.fw;
	return QREL_OK;
}

static void
free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void
framework_free(struct framework *fw)
{
	if (!fw)
		return;
	for (int i = 0; fw->scale && i < fw->levels; i++) {
		free(fw->scale[i].label);
		free(fw->scale[i].description);
	}
	for (size_t i = 0; i < fw->ndomains; i++) {
		free(fw->domains[i].code);
		free(fw->domains[i].title);
	}
	for (size_t i = 0; i < fw->nclusters; i++) {
		free(fw->clusters[i].code);
		free(fw->clusters[i].title);
		free_strings(fw->clusters[i].descriptors, (size_t)fw->levels);
		free_strings(fw->clusters[i].criteria, fw->clusters[i].ncriteria);
		for (size_t k = 0; k < fw->clusters[i].nquestions; k++) {
			free(fw->clusters[i].questions[k].group);
			free(fw->clusters[i].questions[k].text);
		}
		free(fw->clusters[i].questions);
	}
	for (size_t i = 0; i < fw->ngroups; i++) {
		free(fw->groups[i].code);
		free(fw->groups[i].title);
		free_strings(fw->groups[i].questions, fw->groups[i].nquestions);
	}
	free(fw->groups);
	free(fw->scale);
	free(fw->domains);
	free(fw->clusters);
	free(fw->code);
	free(fw->title);
	free(fw->version);
	free(fw->source);
	free(fw);
}

static int
store_scale(struct db *db, const struct framework *fw, int64_t id)
{
	static const char sql[] =
		"INSERT INTO scale_level(framework_id, level, label, description) VALUES (?, ?, ?, ?)";

	for (int i = 0; i < fw->levels; i++) {
		sqlite3_stmt *st = db_stmt(db, sql);

		if (!st)
			return QREL_DB;
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_int(st, 2, i + 1);
		db_bind_text(st, 3, fw->scale[i].label);
		db_bind_text(st, 4, fw->scale[i].description);
		if (db_step_done(db, st, "storing the scale") != QREL_OK)
			return QREL_DB;
	}
	return QREL_OK;
}

static int
store_domains(struct db *db, const struct framework *fw, int64_t id, int64_t *rows)
{
	static const char sql[] =
		"INSERT INTO domain(framework_id, code, title, position) VALUES (?, ?, ?, ?)";

	for (size_t i = 0; i < fw->ndomains; i++) {
		sqlite3_stmt *st = db_stmt(db, sql);

		if (!st)
			return QREL_DB;
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, fw->domains[i].code);
		db_bind_text(st, 3, fw->domains[i].title);
		sqlite3_bind_int64(st, 4, (int64_t)i + 1);
		if (db_step_done(db, st, "storing a domain") != QREL_OK)
			return QREL_DB;
		rows[i] = sqlite3_last_insert_rowid(db_handle(db));
	}
	return QREL_OK;
}

static int
store_texts(struct db *db, const char *sql, int64_t cluster, char **texts, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		sqlite3_stmt *st = db_stmt(db, sql);

		if (!st)
			return QREL_DB;
		sqlite3_bind_int64(st, 1, cluster);
		sqlite3_bind_int64(st, 2, (int64_t)i + 1);
		db_bind_text(st, 3, texts[i]);
		if (db_step_done(db, st, "storing cluster text") != QREL_OK)
			return QREL_DB;
	}
	return QREL_OK;
}

static int
store_question(struct db *db, int64_t id, int64_t cluster, const char *group, size_t position, const char *text)
{
	static const char sql[] = "INSERT INTO guiding_question(framework_id, cluster_id, grp, position, text) "
				  "VALUES (?, ?, ?, ?, ?)";
	sqlite3_stmt *st = db_stmt(db, sql);

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	if (cluster)
		sqlite3_bind_int64(st, 2, cluster);
	else
		sqlite3_bind_null(st, 2);
	db_bind_text(st, 3, group);
	sqlite3_bind_int64(st, 4, (int64_t)position);
	db_bind_text(st, 5, text);
	return db_step_done(db, st, "storing a guiding question");
}

static int
store_groups(struct db *db, const struct framework *fw, int64_t id)
{
	static const char sql[] =
		"INSERT INTO stakeholder_group(framework_id, code, title, position) VALUES (?, ?, ?, ?)";
	int rc = QREL_OK;

	for (size_t i = 0; i < fw->ngroups && rc == QREL_OK; i++) {
		const struct fw_group *g = &fw->groups[i];
		sqlite3_stmt *st = db_stmt(db, sql);

		if (!st)
			return QREL_DB;
		sqlite3_bind_int64(st, 1, id);
		db_bind_text(st, 2, g->code);
		db_bind_text(st, 3, g->title);
		sqlite3_bind_int64(st, 4, (int64_t)i + 1);
		rc = db_step_done(db, st, "storing a stakeholder group");
		for (size_t k = 0; k < g->nquestions && rc == QREL_OK; k++)
			rc = store_question(db, id, 0, g->code, k + 1, g->questions[k]);
	}
	return rc;
}

static int
store_cluster(struct db *db, const struct framework *fw, size_t i, int64_t id, const int64_t *domains)
{
	static const char sql[] = "INSERT INTO cluster(framework_id, domain_id, code, title, position) "
				  "VALUES (?, ?, ?, ?, ?)";
	static const char descriptor_sql[] =
		"INSERT INTO descriptor(cluster_id, level, text) VALUES (?, ?, ?)";
	static const char criterion_sql[] =
		"INSERT INTO criterion(cluster_id, position, text) VALUES (?, ?, ?)";
	const struct fw_cluster *c = &fw->clusters[i];
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t row;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_int64(st, 2, domains[c->domain]);
	db_bind_text(st, 3, c->code);
	db_bind_text(st, 4, c->title);
	sqlite3_bind_int64(st, 5, (int64_t)i + 1);
	if (db_step_done(db, st, "storing a cluster") != QREL_OK)
		return QREL_DB;
	row = sqlite3_last_insert_rowid(db_handle(db));
	if (store_texts(db, descriptor_sql, row, c->descriptors, (size_t)fw->levels) != QREL_OK ||
	    store_texts(db, criterion_sql, row, c->criteria, c->ncriteria) != QREL_OK)
		return QREL_DB;
	for (size_t k = 0; k < c->nquestions; k++)
		if (store_question(db, id, row, c->questions[k].group, k + 1, c->questions[k].text) != QREL_OK)
			return QREL_DB;
	return QREL_OK;
}

static int64_t
stored_id(struct db *db, const struct framework *fw)
{
	static const char sql[] = "SELECT id FROM framework WHERE code = ? AND version = ? AND hash = ?";
	sqlite3_stmt *st = db_stmt(db, sql);
	int64_t id = 0;

	if (!st)
		return -1;
	db_bind_text(st, 1, fw->code);
	db_bind_text(st, 2, fw->version);
	db_bind_text(st, 3, fw->hash);
	if (sqlite3_step(st) == SQLITE_ROW)
		id = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return id;
}

int
framework_store(struct db *db, const struct framework *fw, int64_t *id)
{
	static const char sql[] = "INSERT INTO framework(uuid, code, title, version, hash, levels, source) "
				  "VALUES (?, ?, ?, ?, ?, ?, ?)";
	sqlite3_stmt *st;
	int64_t *domains;
	char uuid[UUID_LEN + 1];
	int rc = QREL_OK;

	if ((*id = stored_id(db, fw)) != 0)
		return *id < 0 ? QREL_DB : QREL_OK;
	if (!(st = db_stmt(db, sql)))
		return QREL_DB;
	uuid_new(uuid);
	db_bind_text(st, 1, uuid);
	db_bind_text(st, 2, fw->code);
	db_bind_text(st, 3, fw->title);
	db_bind_text(st, 4, fw->version);
	db_bind_text(st, 5, fw->hash);
	sqlite3_bind_int(st, 6, fw->levels);
	db_bind_text(st, 7, fw->source);
	if (db_step_done(db, st, "storing the framework") != QREL_OK)
		return QREL_DB;
	*id = sqlite3_last_insert_rowid(db_handle(db));
	if (!(domains = calloc(fw->ndomains + 1, sizeof(*domains))))
		abort();
	if (store_scale(db, fw, *id) != QREL_OK || store_domains(db, fw, *id, domains) != QREL_OK ||
	    store_groups(db, fw, *id) != QREL_OK)
		rc = QREL_DB;
	for (size_t i = 0; rc == QREL_OK && i < fw->nclusters; i++)
		rc = store_cluster(db, fw, i, *id, domains);
	free(domains);
	return rc;
}

static void
put_value(FILE *out, const char *key, const char *value)
{
	/* iniparser would cut an unquoted value at ';' or '#'. */
	if (strpbrk(value, ";#"))
		fprintf(out, "%s = \"%s\"\n", key, value);
	else
		fprintf(out, "%s = %s\n", key, value);
}

static int
export_rows(struct db *db, const char *sql, int64_t id, FILE *out,
	    void (*row)(sqlite3_stmt *st, FILE *out))
{
	sqlite3_stmt *st = db_stmt(db, sql);
	int rc;

	if (!st)
		return QREL_DB;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		row(st, out);
	rc = rc == SQLITE_DONE ? QREL_OK : db_fail(db, "exporting the framework");
	sqlite3_reset(st);
	return rc;
}

static void
export_header(sqlite3_stmt *st, FILE *out)
{
	fprintf(out, "; qrel rubric framework\n[framework]\n");
	put_value(out, "code", db_col_text(st, 0));
	put_value(out, "title", db_col_text(st, 1));
	put_value(out, "version", db_col_text(st, 2));
	fprintf(out, "\n[scale]\nlevels = %d\n", sqlite3_column_int(st, 3));
}

static void
export_level(sqlite3_stmt *st, FILE *out)
{
	char key[24];

	snprintf(key, sizeof(key), "label%d", sqlite3_column_int(st, 0));
	put_value(out, key, db_col_text(st, 1));
	snprintf(key, sizeof(key), "describe%d", sqlite3_column_int(st, 0));
	put_value(out, key, db_col_text(st, 2));
}

static void
export_domain(sqlite3_stmt *st, FILE *out)
{
	fprintf(out, "\n[domain %s]\n", db_col_text(st, 0));
	put_value(out, "title", db_col_text(st, 1));
}

/* One row per group text: kind 0 starts the group, 1 is a question. */
static void
export_group_text(sqlite3_stmt *st, FILE *out)
{
	char key[24];

	if (sqlite3_column_int(st, 2) == 0) {
		fprintf(out, "\n[group %s]\n", db_col_text(st, 0));
		put_value(out, "title", db_col_text(st, 4));
		return;
	}
	snprintf(key, sizeof(key), "question%d", sqlite3_column_int(st, 3));
	put_value(out, key, db_col_text(st, 4));
}

/* One row per cluster text: kind 0 starts the cluster, 1 is a level, 2 a
 * criterion, 3 a guiding question (column 4 its group, "" for every group). */
static void
export_cluster_text(sqlite3_stmt *st, FILE *out)
{
	int kind = sqlite3_column_int(st, 2);
	char key[64];

	if (kind == 0) {
		fprintf(out, "\n[cluster %s]\ndomain = %s\n", db_col_text(st, 0), db_col_text(st, 4));
		put_value(out, "title", db_col_text(st, 5));
		return;
	}
	if (kind == 3)
		snprintf(key, sizeof(key), "%s%d", *db_col_text(st, 4) ? db_col_text(st, 4) : "question",
			 sqlite3_column_int(st, 3));
	else
		snprintf(key, sizeof(key), "%s%d", kind == 1 ? "level" : "criterion", sqlite3_column_int(st, 3));
	put_value(out, key, db_col_text(st, 5));
}

int
framework_export(struct db *db, int64_t id, FILE *out)
{
	static const char header[] = "SELECT code, title, version, levels FROM framework WHERE id = ?";
	static const char levels[] = "SELECT level, label, description FROM scale_level "
				     "WHERE framework_id = ? ORDER BY level";
	static const char domains[] = "SELECT code, title FROM domain WHERE framework_id = ? ORDER BY position";
	static const char clusters[] =
		"SELECT c.code, c.position, 0, 0, d.code, c.title FROM cluster c JOIN domain d ON d.id = c.domain_id "
		"WHERE c.framework_id = ?1 "
		"UNION ALL SELECT c.code, c.position, 1, x.level, '', x.text FROM descriptor x "
		"JOIN cluster c ON c.id = x.cluster_id WHERE c.framework_id = ?1 "
		"UNION ALL SELECT c.code, c.position, 2, r.position, '', r.text FROM criterion r "
		"JOIN cluster c ON c.id = r.cluster_id WHERE c.framework_id = ?1 "
		"UNION ALL SELECT c.code, c.position, 3, q.position, q.grp, q.text FROM guiding_question q "
		"JOIN cluster c ON c.id = q.cluster_id WHERE c.framework_id = ?1 "
		"ORDER BY 2, 3, 4";
	static const char groups[] =
		"SELECT g.code, g.position, 0, 0, g.title FROM stakeholder_group g WHERE g.framework_id = ?1 "
		"UNION ALL SELECT g.code, g.position, 1, q.position, q.text FROM guiding_question q "
		"JOIN stakeholder_group g ON g.framework_id = q.framework_id AND g.code = q.grp "
		"WHERE q.framework_id = ?1 AND q.cluster_id IS NULL ORDER BY 2, 3, 4";

	if (export_rows(db, header, id, out, export_header) != QREL_OK ||
	    export_rows(db, levels, id, out, export_level) != QREL_OK ||
	    export_rows(db, domains, id, out, export_domain) != QREL_OK ||
	    export_rows(db, groups, id, out, export_group_text) != QREL_OK ||
	    export_rows(db, clusters, id, out, export_cluster_text) != QREL_OK)
		return QREL_DB;
	return ferror(out) ? error(QREL_IO, "writing the framework failed") : QREL_OK;
}
