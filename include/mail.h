/* Email through an SMTP relay with libcurl (the job daemons' email channel). */
#ifndef TASKAPI_MAIL_H
#define TASKAPI_MAIL_H

#include <stddef.h>

struct mail {
	const char *from, *to;
	const char *subject;    /* UTF-8; line breaks are turned into spaces */
	const char *date;       /* RFC 5322 date */
	const char *message_id; /* without the angle brackets: the same on every retry */
	const char *body;       /* UTF-8 text */
};

/* Builds the message (RFC 5322, UTF-8 text, RFC 2047 subject) into out (malloc'd, the
   caller frees); -1 when an address could inject headers. */
int mail_format(const struct mail *m, char **out, size_t *len);
/* Sends m through url (smtp:// or smtps://) within timeout_ms; 0, or -1 with why in err. */
int mail_send(const char *url, const struct mail *m, long timeout_ms, char *err, size_t errlen);

#endif
