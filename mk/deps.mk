# deps.mk: the Debian packages cellstress needs, checked once and installed when
# missing by mk/deps.sh (headers with pkg-config, programs with command -v; as
# root with apt-get, otherwise it prints the apt-get line and make stops). The
# stamp build/.deps-ok keeps the check off later runs. Everything the build,
# the tests and `make demo` call is here; DEPS_BENCH is what only the
# benchmarks call, installed by `make bench-NAME`.

# pkg-config module : Debian package
DEPS_PC   = hiredis:libhiredis-dev libevent:libevent-dev jansson:libjansson-dev \
            libcurl:libcurl4-openssl-dev libcrypto:libssl-dev libxml-2.0:libxml2-dev \
            jemalloc:libjemalloc-dev
# program : Debian package
DEPS_PROG = pkg-config:pkg-config cc:gcc git:git redis-server:redis-server redis-cli:redis-tools \
            ssh:openssh-client scp:openssh-client sshd:openssh-server ssh-keygen:openssh-client \
            gnuplot:gnuplot-nox prove:perl curl:curl ss:iproute2 setsid:util-linux \
            setpriv:util-linux useradd:passwd python3:python3 bc:bc openssl:openssl nft:nftables \
            promtool:prometheus tmux:tmux
# python3 module : Debian package (t0602 signs with botocore as a reference)
DEPS_PY   = botocore:python3-botocore
DEPS_BENCH = wrk:wrk perf:linux-perf

DEPS_STAMP = build/.deps-ok

.PHONY: deps deps-bench
deps:
	@rm -f $(DEPS_STAMP)
	@$(MAKE) --no-print-directory $(DEPS_STAMP)

$(DEPS_STAMP): mk/deps.mk mk/deps.sh
	@sh mk/deps.sh $(DEPS_PROG) --pc $(DEPS_PC) --py $(DEPS_PY)
	@mkdir -p $(@D) && touch $@

deps-bench: $(DEPS_STAMP)
	@sh mk/deps.sh $(DEPS_BENCH)
