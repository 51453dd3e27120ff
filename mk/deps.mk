# deps.mk: the Debian packages cellstress needs, checked once and installed when
# missing. Headers are checked with pkg-config, programs with command -v. As root
# the missing ones are installed with apt-get; otherwise the exact apt-get line is
# printed and make stops. The stamp build/.deps-ok keeps the check off later runs.

# pkg-config module : Debian package
DEPS_PC   = hiredis:libhiredis-dev libevent:libevent-dev jansson:libjansson-dev \
            libcurl:libcurl4-openssl-dev libcrypto:libssl-dev libxml-2.0:libxml2-dev
# program : Debian package
DEPS_PROG = pkg-config:pkg-config cc:gcc redis-server:redis-server redis-cli:redis-tools \
            ssh:openssh-client scp:openssh-client sshd:openssh-server ssh-keygen:openssh-client \
            gnuplot:gnuplot-nox prove:perl curl:curl ss:iproute2 setsid:util-linux

DEPS_STAMP = build/.deps-ok

.PHONY: deps
deps:
	@rm -f $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(DEPS_STAMP)

$(DEPS_STAMP): mk/deps.mk
	@PATH="$$PATH:/usr/sbin:/sbin"; missing=""; \
	for p in $(DEPS_PROG); do \
	  command -v "$${p%%:*}" >/dev/null 2>&1 || missing="$$missing $${p#*:}"; \
	done; \
	for m in $(DEPS_PC); do \
	  pkg-config --exists "$${m%%:*}" 2>/dev/null || missing="$$missing $${m#*:}"; \
	done; \
	missing=$$(printf '%s\n' $$missing | sort -u | tr '\n' ' '); \
	if [ -n "$${missing% }" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "deps: installing $$missing"; \
	    if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >build-deps.log 2>&1; then \
	      apt-get update -q >>build-deps.log 2>&1 && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing >>build-deps.log 2>&1 || \
	      { echo "deps: apt-get install failed, see build-deps.log" >&2; exit 1; }; \
	    fi; rm -f build-deps.log; \
	  else \
	    echo "deps: missing Debian packages; as root run:" >&2; \
	    echo "  apt-get install -y $$missing" >&2; exit 1; \
	  fi; \
	fi
	@mkdir -p $(@D) && touch $@
