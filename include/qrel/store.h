/* store.h: the review's basic rows (review, sites, people, clusters) and the change log.
 * One database file holds one review. Lookups return the row id, 0 when absent, -1 on error. */
#ifndef QREL_STORE_H
#define QREL_STORE_H

#include <stdbool.h>
#include <stdint.h>

#include <sqlite3.h>

struct db;

int64_t store_review_id(struct db *db);
int store_review_create(struct db *db, const char *title, const char *district,
			int64_t framework_id, int64_t *id);
int64_t store_site_id(struct db *db, int64_t review, const char *code);
/* How many sites the review has; -1 on error. */
int store_site_count(struct db *db, int64_t review);
int64_t store_person_id(struct db *db, int64_t review, const char *name);
int64_t store_cluster_id(struct db *db, int64_t review, const char *code);
int store_levels(struct db *db, int64_t review);
int64_t store_framework_id(struct db *db, int64_t review);
/* The first column of the first row of sql, a static query of ?1 = review (one
 * integer: an id, a count, EXISTS); 0 when there is no row, -1 on error. */
int64_t store_review_int(struct db *db, int64_t review, const char *sql);
/* One row of the review by id: sql takes ?1 id and ?2 review. QREL_OK with *row
 * stepped onto the row (read it, then sqlite3_reset it); QREL_NOTFOUND "no noun
 * ID in this review" when there is none. */
int store_review_row(struct db *db, const char *sql, int64_t id, int64_t review, const char *noun,
		     sqlite3_stmt **row);

/* The site after (dir > 0) or before (dir < 0) site in code order, wrapping;
 * the first site when site is 0. */
int64_t store_site_step(struct db *db, int64_t review, int64_t site, int dir);
int store_site_info(struct db *db, int64_t site, char *code, size_t ncode, char *name, size_t nname);
/* A person of a review as the gate and the callers that need a role see them:
 * the one member lookup. */
struct store_member {
	int64_t id;		/* 0 when there is no such person */
	int64_t site;		/* their school (a principal's); 0 when none */
	char name[128], role[16];
	char login[64];		/* their Unix login; "" when none */
};

/* The person of review named name, or with row id (name NULL); QREL_OK with
 * m->id 0 when there is none. */
int store_member(struct db *db, int64_t review, const char *name, int64_t id, struct store_member *m);
int store_lead_name(struct db *db, int64_t review, char *name, size_t n);
int store_review_title(struct db *db, int64_t review, char *title, size_t n);

/* Forgetting a row (a hub pull's, once the login no longer reads it): the
 * DELETE sql of ?1 a uuid and ?2 the review, from the row's one writer; *gone
 * says whether it removed the row. Not an edit: no change log entry. */
int store_forget_row(struct db *db, const char *sql, int64_t review, const char *uuid, bool *gone);

/* Appends to the change log (inside the caller's transaction). old and new may be
 * NULL. The entry also records the process's Unix login and uid (identity.h). */
int changelog_add(struct db *db, int64_t review, const char *who, const char *entity,
		  const char *entity_uuid, const char *field, const char *old_value,
		  const char *new_value, const char *reason);

#endif
