/* summary.h: the review at a glance: per site and domain, clusters scored and notes. */
#ifndef QREL_SUMMARY_H
#define QREL_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

struct db;

#define SUMMARY_MAX_DOMAINS 8

struct summary_cell {
	int clusters;	/* clusters in the domain */
	int scored;	/* clusters with a team or consensus level (or NE) at the site */
	int consensus;	/* clusters with a consensus level */
	int notes;	/* evidence notes at the site tagged to the domain */
};

struct summary_row {
	int64_t site;
	char code[32], name[96], kind[12];
	struct summary_cell cell[SUMMARY_MAX_DOMAINS];
};

struct summary_domain {
	char code[16], title[128];
};

/* The framework's domains, in order (at most SUMMARY_MAX_DOMAINS); returns how many. */
int summary_domains(struct db *db, int64_t review, struct summary_domain *out);
/* Sites offset .. offset+limit-1 in code order, names only; *n gets how many. */
int summary_sites(struct db *db, int64_t review, int offset, int limit, struct summary_row *rows, int *n);
/* Fills one site's cells: two grouped queries over that site's rows alone, so a
 * screen that scrolls by one line pays for one site, not a page. The counts of
 * scored clusters and notes at a site follow the rule for the team's notes there
 * (visibility.h): a principal sees them at their school once released, a
 * non-member never. */
int summary_fill(struct db *db, int64_t review, const char *viewer, struct summary_row *row);

#endif
