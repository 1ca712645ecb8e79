/* agree_db.h: a review's team scores as a units x raters matrix for agree_compute. */
#ifndef QREL_AGREE_DB_H
#define QREL_AGREE_DB_H

#include <stdint.h>

struct db;
struct vis_viewer;

/* Which team scores to read; zero values mean "all". */
struct agree_filter {
	int64_t site;		/* site row id, 0 for every site */
	const char *domain;	/* domain code ("1".."4"), NULL for every domain */
	/* Who reads the figures: only the site x cluster units where the viewer may
	 * read aggregates (visibility.h) are loaded; NULL reads none. */
	const struct vis_viewer *viewer;
};

/*
 * Units are site x cluster: unit u is site u / nclusters, cluster
 * u % nclusters, so a pair nobody scored is an all-zero row (agree_compute
 * does not count it). Raters are people, ordered by name; sites by code;
 * clusters in framework order. scores[u * raters + r] is 0 when rater r gave
 * no level (not scored, insufficient evidence or NULL level), else 1..levels.
 */
struct agree_data {
	int *scores;
	int units, raters, levels;
	int nsites, nclusters;
	char **site_code;	/* nsites entries */
	char **cluster_code;	/* nclusters entries */
	char **rater_name;	/* raters entries */
};

/* Fills out (zeroed first) from the review's team scores. levels is the
 * framework's scale size. QREL_OK, or QREL_DB / QREL_NOMEM / QREL_PARSE (a
 * stored level above the scale) with error() set. Free with agree_data_free. */
int agree_db_load(struct db *db, int64_t review, const struct agree_filter *f,
		  struct agree_data *out);
void agree_data_free(struct agree_data *d);

#endif
