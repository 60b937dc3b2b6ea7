# `make install` and `make deb` (included by the Makefile).
# make install PREFIX=/usr/local DESTDIR=   installs the binary, the migrations, the man
# page, the settings example, the systemd units, the logrotate file and the front-end
# recipes of dist/ rendered with the installed paths (scripts/render, as the hosting
# tests render them). SYSCONFDIR stays /etc unless given; nothing is started.

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
DATADIR    ?= $(PREFIX)/share/taskapi
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR    ?= $(PREFIX)/lib/systemd/system
SOCKET     ?= /run/taskapi/taskapi.sock
INSTALL    ?= install

# The values the recipes are rendered with: those of the shipped taskapi.env.
RENDER_VARS = BINDIR=$(BINDIR) DATADIR=$(DATADIR) SYSCONFDIR=$(SYSCONFDIR) SOCKET=$(SOCKET) \
	SQL_DIR=$(DATADIR)/sql ERRORS_DIR=$(DATADIR)/apache/errors \
	LIGHTTPD_ERRORS_DIR=$(DATADIR)/lighttpd/errors LISTEN='*:80' \
	SERVER_NAME=api.example.com APP_ENV=production DATABASE_URL=postgresql:///taskapi \
	JWT_SECRET_FILE=$(SYSCONFDIR)/taskapi/jwt_secret LOG_FILE=/var/log/taskapi/taskapi.log \
	DOCROOT=/var/www/html
D = $(DESTDIR)
RENDER = scripts/render

.PHONY: install deb
install: $(OUT)/taskapi
	$(INSTALL) -d $(D)$(BINDIR) $(D)$(DATADIR)/sql $(D)$(DATADIR)/nginx $(D)$(DATADIR)/lighttpd/errors \
		$(D)$(DATADIR)/apache/errors $(D)$(MANDIR)/man8 $(D)$(SYSCONFDIR)/taskapi \
		$(D)$(SYSCONFDIR)/logrotate.d $(D)$(UNITDIR)
	$(INSTALL) -m 755 $(OUT)/taskapi $(D)$(BINDIR)/taskapi
	$(INSTALL) -m 644 sql/*.sql $(D)$(DATADIR)/sql/
	$(INSTALL) -m 644 man/taskapi.8 $(D)$(MANDIR)/man8/taskapi.8
	$(INSTALL) -m 644 dist/apache/errors/*.json $(D)$(DATADIR)/apache/errors/
	$(INSTALL) -m 644 dist/lighttpd/errors/*.html $(D)$(DATADIR)/lighttpd/errors/
	$(RENDER) dist/taskapi.env.in $(RENDER_VARS) >$(D)$(SYSCONFDIR)/taskapi/taskapi.env
	chmod 640 $(D)$(SYSCONFDIR)/taskapi/taskapi.env
	$(RENDER) dist/logrotate/taskapi.in >$(D)$(SYSCONFDIR)/logrotate.d/taskapi
	for u in taskapi.socket taskapi.service; do \
		$(RENDER) dist/systemd/$$u.in $(RENDER_VARS) >$(D)$(UNITDIR)/$$u || exit 1; done
	$(RENDER) dist/nginx/taskapi.conf.in $(RENDER_VARS) LISTEN=80 >$(D)$(DATADIR)/nginx/taskapi.conf
	$(RENDER) dist/lighttpd/taskapi.conf.in $(RENDER_VARS) >$(D)$(DATADIR)/lighttpd/taskapi.conf
	for f in proxy-fcgi fcgid cgi shared-hosting; do \
		$(RENDER) dist/apache/$$f.conf.in $(RENDER_VARS) >$(D)$(DATADIR)/apache/$$f.conf || exit 1; done
	$(RENDER) dist/apache/htaccess.in >$(D)$(DATADIR)/apache/htaccess
	$(RENDER) dist/apache/taskapi.fcgi.in $(RENDER_VARS) >$(D)$(DATADIR)/apache/taskapi.fcgi
	chmod 755 $(D)$(DATADIR)/apache/taskapi.fcgi

# The Debian package (debian/, debhelper compat 13), into build/deb/.
deb:
	rm -rf build/deb && mkdir -p build/deb/src
	git ls-files -z | xargs -0 cp --parents -t build/deb/src
	cd build/deb/src && dpkg-buildpackage -us -uc -b -rfakeroot >../build.log 2>&1 || \
		{ tail -n 40 ../build.log; exit 1; }
	ls build/deb/*.deb
