/* hub_report.h: the written report on the hub (hub_report.c): findings with
 * their cited notes, survey items and subgroup rows, recommendations with the
 * findings they answer and the plan objective each became, and the report's
 * status and executive summary. Its hub migration, a push of the attached
 * bundle's rows inside the caller's transaction, and a pull merged as bundles
 * are (sync.c). Not for modules other than the hub's. */
#ifndef QREL_HUB_REPORT_H
#define QREL_HUB_REPORT_H

#include <stdint.h>

struct db;
struct pg_conn;
struct hub_sync_stats;

extern const char hub_report_migration[];

/* The attached bundle's findings, recommendations and their links into the
 * hub as the login (pusher NULL) or as the named person (the seed); the
 * report's status and summary when the login is the lead (or the seed): a
 * draft before the rows (a reopened report first), a final one after them. */
int hub_report_push(struct pg_conn *pg, struct db *db, int64_t review, const char *uuid, const char *pusher,
		    struct hub_sync_stats *st);
/* What changed since seq that the login reads, one bundle per person who
 * pushed it (findings first, then recommendations, so links find their
 * findings), then the report's status and summary as the lead pushed them. */
int hub_report_pull(struct pg_conn *pg, struct db *db, int64_t review, const char *who, const char *uuid,
		    long long seq, struct hub_sync_stats *st);

/* When what the login reads changed: the copy's findings and recommendations
 * the hub holds and the login no longer reads leave the copy (st->forgotten). */
int hub_report_forget(struct pg_conn *pg, struct db *db, int64_t review, const char *uuid,
		      struct hub_sync_stats *st);

#endif
