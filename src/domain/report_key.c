/* report_key.c: the report's key disproportionality measures: special-education identification, exclusionary discipline and access to advanced coursework, every dimension, every year, flagged or not. */
#include "qrel/qrel.h"
#include "qrel/db.h"
#include "qrel/report.h"
#include "qrel/util.h"

#include <ctype.h>

/* Words in a metric's code or name that make it one the framework names as key. */
static const char *const key_words[] = {
	"special", "sped", "iep", "suspension", "suspend", "expul", "disciplin", "removal",
	"advanced", "ap_", "ap ", "honors", "honours", "gifted", "immersion", "dual", "ib_",
};

static void
lower(const char *s, char *buf, size_t size)
{
	size_t i = 0;

	for (; s[i] && i + 1 < size; i++)
		buf[i] = (char)tolower((unsigned char)s[i]);
	buf[i] = '\0';
}

bool
report_key_metric(const struct subgroup_metric *m)
{
	char code[40], name[SUBGROUP_TEXT + 2];

	lower(m->code, code, sizeof(code));
	lower(m->name, name, sizeof(name) - 1);
	strcat(name, " ");
	for (size_t i = 0; i < ARRAY_SIZE(key_words); i++)
		if (strstr(code, key_words[i]) || strstr(name, key_words[i]) ||
		    (strcmp(key_words[i], "ap_") == 0 && strcmp(code, "ap") == 0))
			return true;
	return false;
}

/* The site the measures are shown for: the report's site, else the district office,
 * else the first site with subgroup data. 0 when there is none. */
static int64_t
key_site(struct report *r)
{
	static const char sql[] = "SELECT s.id FROM site s WHERE s.review_id = ?1 AND EXISTS (SELECT 1 FROM "
				  "subgroup_row x WHERE x.site_id = s.id) ORDER BY s.kind <> 'district', s.code LIMIT 1";
	sqlite3_stmt *st;
	int64_t site = 0;

	if (r->opt.site)
		return r->opt.site;
	if (!(st = db_stmt(r->db, sql)))
		return 0;
	sqlite3_bind_int64(st, 1, r->review);
	if (sqlite3_step(st) == SQLITE_ROW)
		site = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return site;
}

static struct report_key *
key_next(struct report *r)
{
	struct report_key *k = realloc(r->key, (size_t)(r->nkey + 1) * sizeof(*k));

	if (!k)
		return NULL;
	r->key = k;
	return memset(&k[r->nkey], 0, sizeof(*k));
}

/* One measure in every year with data, oldest first. */
static int
key_add(struct report *r, const struct subgroup_key *base, char (*years)[SUBGROUP_YEAR], size_t ny)
{
	struct report_key *k = key_next(r);
	int rc = k ? QREL_OK : error(QREL_NOMEM, "out of memory for the key measures");

	for (size_t y = ny > REPORT_KEY_YEARS ? ny - REPORT_KEY_YEARS : 0; rc == QREL_OK && y < ny; y++) {
		struct subgroup_key yk = *base;

		str_copy(yk.year, sizeof(yk.year), years[y]);
		rc = subgroup_load(r->db, &yk, r->opt.settings, &k->year[k->nyears]);
		if (rc == QREL_OK && k->year[k->nyears].n == 0)
			subgroup_table_free(&k->year[k->nyears]);
		else if (rc == QREL_OK)
			k->nyears++;
	}
	if (k)
		r->nkey++;
	return rc;
}

static int
metric_keys(struct report *r, int64_t site, const struct subgroup_metric *m, char (*years)[SUBGROUP_YEAR], size_t ny)
{
	char dims[REPORT_KEY_DIMENSIONS][SUBGROUP_TEXT];
	size_t nd;
	int rc = subgroup_dimensions(r->db, site, m->id, dims, ARRAY_SIZE(dims), &nd);

	for (size_t d = 0; rc == QREL_OK && d < nd; d++) {
		struct subgroup_key k = { .site = site, .metric = m->id };

		str_copy(k.dimension, sizeof(k.dimension), dims[d]);
		rc = key_add(r, &k, years, ny);
	}
	return rc;
}

int
report_read_key(struct report *r)
{
	struct subgroup_metric m[64];
	char years[64][SUBGROUP_YEAR];
	size_t nm, ny;
	int64_t site = key_site(r);
	struct vis_at at = { site, 0, 0 };
	int rc;

	if (!site || !visibility_sees(r->db, &r->viewer, VIS_SUBGROUP, &at))
		return QREL_OK;
	if ((rc = subgroup_metrics(r->db, site, m, ARRAY_SIZE(m), &nm)) != QREL_OK ||
	    (rc = subgroup_years(r->db, site, years, ARRAY_SIZE(years), &ny)) != QREL_OK)
		return rc;
	for (size_t i = 0; rc == QREL_OK && i < nm; i++)
		if (report_key_metric(&m[i]))
			rc = metric_keys(r, site, &m[i], years, ny);
	return rc;
}

void
report_key_free(struct report *r)
{
	for (int i = 0; i < r->nkey; i++)
		for (int y = 0; y < r->key[i].nyears; y++)
			subgroup_table_free(&r->key[i].year[y]);
	free(r->key);
	r->key = NULL;
	r->nkey = 0;
}

const struct subgroup_table *
report_key_latest(const struct report_key *k)
{
	return k->nyears ? &k->year[k->nyears - 1] : NULL;
}

void
report_key_ratio_text(const struct subgroup_entry *e, char *buf, size_t size)
{
	if (e->hidden)
		snprintf(buf, size, "*");
	else if (e->stat.kind == RISK_NOT_CALCULATED || !e->stat.ratio.defined)
		snprintf(buf, size, "not calculated");
	else
		snprintf(buf, size, "%.2f%s", e->stat.ratio.value,
			 e->stat.kind == RISK_ALTERNATE_RATIO ? " (vs the state)" : "");
}

void
report_key_count_text(long count, const struct risk_value *expected, bool hidden, char *buf, size_t size)
{
	if (hidden)
		snprintf(buf, size, "*");
	else if (expected && expected->defined)
		snprintf(buf, size, "%.1f", expected->value);
	else if (expected)
		snprintf(buf, size, "%s", "");
	else
		snprintf(buf, size, "%ld", count);
}

void
report_key_weighted_text(const struct subgroup_table *t, const struct subgroup_entry *e, int digits, char *buf,
			 size_t size)
{
	if (e->hidden || t->weighted_withheld)
		snprintf(buf, size, "*");
	else if (e->stat.weighted_ratio.defined)
		snprintf(buf, size, "%.*f", digits, e->stat.weighted_ratio.value);
	else
		snprintf(buf, size, "%s", "");
}

const char *
report_key_flag_text(const struct subgroup_entry *e)
{
	if (!e->flagged)
		return "";
	return e->hidden ? "flagged, counts withheld" : "flagged";
}

void
report_table_title(const struct subgroup_table *t, bool code, char *buf, size_t size)
{
	snprintf(buf, size, "%s by %s: %s%s%s, %s", t->metric.name, report_dimension_label(t->key.dimension),
		 code ? t->site_code : "", code ? " " : "", t->site_name, t->key.year);
}

void
report_key_intro(const struct report *r, char *buf, size_t size)
{
	snprintf(buf, size, "Special-education identification, exclusionary discipline and access to advanced "
		 "coursework, for every group, flagged or not: risk (the share of the group with the outcome), the "
		 "risk ratio against all other students (against the state's other students where the comparison "
		 "group is too small), the weighted risk ratio where state figures exist, and the count expected at "
		 "the rate of all students beside the actual count. * withheld to protect privacy (fewer than %ld, "
		 "and others so that none can be worked out); a flag is never withheld.", r->min_display);
}
