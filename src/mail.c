/*
 * Email through an SMTP relay: the message is built here (headers from fixed text and
 * checked values only) and handed to libcurl's SMTP client, which speaks the protocol
 * (EHLO, STARTTLS for smtps, MAIL FROM, RCPT TO, DATA with dot-stuffing).
 */
#include "mail.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* An address is put in headers and the envelope as is: nothing that could end a line,
   open another address or a header. */
static int address_ok(const char *a)
{
	return a && *a && !strpbrk(a, "\r\n<>,; \t\"") && strchr(a, '@');
}

/* =?UTF-8?B?...?= of s with line breaks as spaces (RFC 2047; one encoded word is fine
   for a subject here: it is at most a title and a few words). */
static void put_subject(struct buf *b, const char *s)
{
	size_t n = strlen(s);
	char *clean = malloc(n + 1), *enc = malloc(4 * ((n + 2) / 3) + 1);
	if (!clean || !enc) {
		free(clean);
		free(enc);
		return;
	}
	for (size_t i = 0; i <= n; i++)
		clean[i] = s[i] == '\r' || s[i] == '\n' ? ' ' : s[i];
	EVP_EncodeBlock((unsigned char *)enc, (const unsigned char *)clean, (int)n);
	buf_cat(b, "Subject: =?UTF-8?B?", enc, "?=\r\n", NULL);
	free(clean);
	free(enc);
}

int mail_format(const struct mail *m, char **out, size_t *len)
{
	if (!address_ok(m->from) || !address_ok(m->to) || strpbrk(m->message_id, "\r\n<> ") ||
	    strpbrk(m->date, "\r\n"))
		return -1;
	struct buf b = {0};
	buf_cat(&b, "From: <", m->from, ">\r\nTo: <", m->to, ">\r\n", NULL);
	put_subject(&b, m->subject);
	buf_cat(&b, "Date: ", m->date, "\r\nMessage-ID: <", m->message_id, ">\r\n",
	        "MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n"
	        "Content-Transfer-Encoding: 8bit\r\n\r\n",
	        NULL);
	/* Bare LFs become CRLF, as SMTP wants; libcurl dot-stuffs the lines. */
	for (const char *p = m->body; *p; p++) {
		if (*p == '\n' && (p == m->body || p[-1] != '\r'))
			buf_putc(&b, '\r');
		buf_putc(&b, *p);
	}
	buf_puts(&b, "\r\n");
	*out = b.data;
	*len = b.len;
	return 0;
}

struct reader {
	const char *data;
	size_t left;
};

static size_t read_cb(char *dst, size_t size, size_t nmemb, void *arg)
{
	struct reader *r = arg;
	size_t n = size * nmemb < r->left ? size * nmemb : r->left;
	memcpy(dst, r->data, n);
	r->data += n;
	r->left -= n;
	return n;
}

int mail_send(const char *url, const struct mail *m, long timeout_ms, char *err, size_t errlen)
{
	char *msg;
	size_t len;
	if (mail_format(m, &msg, &len) != 0) {
		snprintf(err, errlen, "address not usable in a message: %s", m->to);
		return -1;
	}
	CURL *c = curl_easy_init();
	char from[320], to[320];
	snprintf(from, sizeof from, "<%s>", m->from);
	snprintf(to, sizeof to, "<%s>", m->to);
	struct curl_slist *rcpt = curl_slist_append(NULL, to);
	struct reader r = {msg, len};
	char curl_err[CURL_ERROR_SIZE] = "";
	CURLcode rc = CURLE_FAILED_INIT;
	if (c && rcpt) {
		curl_easy_setopt(c, CURLOPT_URL, url);
		curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
		curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
		curl_easy_setopt(c, CURLOPT_READFUNCTION, read_cb);
		curl_easy_setopt(c, CURLOPT_READDATA, &r);
		curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
		curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
		curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
		curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
		curl_easy_setopt(c, CURLOPT_USE_SSL,
		                 (long)(strncmp(url, "smtps://", 8) == 0 ? CURLUSESSL_ALL : CURLUSESSL_TRY));
		rc = curl_easy_perform(c);
	}
	if (rc != CURLE_OK)
		snprintf(err, errlen, "smtp: %s", curl_err[0] ? curl_err : curl_easy_strerror(rc));
	curl_slist_free_all(rcpt);
	curl_easy_cleanup(c);
	free(msg);
	return rc == CURLE_OK ? 0 : -1;
}
