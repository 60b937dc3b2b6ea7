/*
 * PostgreSQL WAL positions ("16/B374D848") as the consistency token of read-your-writes:
 * a write answers with the primary's position after its commit, and a read that
 * presents it goes to a replica only once the replica has replayed that far.
 */
#ifndef TASKAPI_LSN_H
#define TASKAPI_LSN_H

#include <stdint.h>

#define LSN_TEXT_MAX 18 /* "FFFFFFFF/FFFFFFFF" and the NUL */

/* Parses PostgreSQL's text form X/Y (1..8 hex digits each); -1 when s is not one. */
int lsn_parse(const char *s, uint64_t *out);
/* Writes lsn in PostgreSQL's text form, upper-case hex as pg_lsn_out does. */
void lsn_format(uint64_t lsn, char out[LSN_TEXT_MAX]);

#endif
