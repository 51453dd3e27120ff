# aws.mk: PROVIDER=aws, the seed's EC2 topology (mk/provision.mk has the hook
# contract). provider-provision: vpc-make (VPC, gateway, subnets, security
# group), ec2-run (bastion 10.0.1.11 with a public address, hosts 10.0.2.20...
# without) -> $(INVENTORY), then $(SSH_CONFIG) reaching every host through the
# bastion (ProxyJump), then waits until each answers ssh (SSH_WAIT=0 skips).
# provider-destroy: ec2-kill (instance-hours and cost from $(PRICES) into
# $(RESULTS)/cost.txt and report.md) and vpc-delete, both finding everything
# by the tag cellstress:run = the run id in $(HOSTS_DIR)/run-id; with that
# file lost, every run's resources (ec2-kill -A: listed before it acts).
# Credentials and region: the standard AWS chain (AWS_PROFILE, AWS_REGION...).
#   make provision PROVIDER=aws HOSTS=40 USERS=1000000 OPERATOR_CIDR=203.0.113.7/32

ifeq ($(PROVIDER),aws)
PROVIDER_TRANSPORT  := ssh
PROVIDER_SHIP_RUNTIME := 1#       a fresh AMI has no redis-server nor our libraries
PROVIDER_SHIP := tree#             the control host's uplink sends the archive once (to h01)
PROVIDER_REMOTE_DIR := cellstress
PROVIDER_SCRAPE_VIA := bastion#    the hosts are private: stat-collect scrapes through it (mk/monitor.mk)

OPERATOR_CIDR ?=#                 the only source ssh is open to: your address/32
KEY           ?= $(HOME)/.ssh/id_ed25519#  its .pub is imported as key pair cellstress-RUN
INSTANCE_TYPE ?= c5.large#        cell hosts: not burstable (the seed's t2.micro ran out of credits)
BASTION_TYPE  ?= t3.micro
AMI           ?=#                 empty: the newest Debian 12 amd64 (the control host's distribution)
SPOT          ?= 0#               1: spot instances (InstanceMarketOptions)
SSH_USER      ?= admin#           the login of Debian's AMIs
SSH_WAIT      ?= 1#               0: do not wait for ssh (tests against moto)
SSH_WAIT_SECS ?= 600
BASTION_ADDR  ?=#                 empty: the bastion's public address from the inventory
AWS_FLAGS     ?=#                 e.g. -R eu-west-1 for every tool
PRICES        ?= data/ec2-prices.tsv
RUN_ID_FILE    = $(HOSTS_DIR)/run-id
AWS_STATE      = $(abspath $(STATE))/aws

# The run id: RUN_ID= on the command line, else the one provision recorded.
RUN_ID ?= $(shell cat $(RUN_ID_FILE) 2>/dev/null)
AWS_SELECT = $(if $(RUN_ID),-r $(RUN_ID),-A)

# Checked before provision-layout writes $(LAYOUT): a refused provision
# leaves no layout behind that later phases would adopt (and a destroy without
# a run id would take for a run: ec2-kill -A).
.PHONY: aws-check
provision-layout: aws-check
aws-check:
	$(Q)test -n '$(OPERATOR_CIDR)' || { echo "PROVIDER=aws: set OPERATOR_CIDR to the address ssh may come from (e.g. OPERATOR_CIDR=203.0.113.7/32)" >&2; exit 1; }

provider-provision:
	$(Q)test -s $(RUN_ID_FILE) || echo '$(or $(RUN_ID),cs-$(shell date -u +%Y%m%d-%H%M%S)-$(shell od -An -N2 -tx2 /dev/urandom | tr -d " "))' >$(RUN_ID_FILE)
	@echo "[provision] aws run $$(cat $(RUN_ID_FILE)): $(HOSTS) x $(INSTANCE_TYPE) + bastion $(BASTION_TYPE), ssh from $(OPERATOR_CIDR)"
	$(Q)$(BIN)/vpc-make $(AWS_FLAGS) -r "$$(cat $(RUN_ID_FILE))" -c '$(OPERATOR_CIDR)' >$(HOSTS_DIR)/vpc.tmp && mv $(HOSTS_DIR)/vpc.tmp $(HOSTS_DIR)/vpc
	$(Q)$(BIN)/ec2-run $(AWS_FLAGS) -r "$$(cat $(RUN_ID_FILE))" -n '$(HOSTS)' -u '$(USERS)' -k '$(KEY)' \
	  -t '$(INSTANCE_TYPE)' -T '$(BASTION_TYPE)' $(if $(AMI),-a '$(AMI)') $(if $(filter 1,$(SPOT)),-s) \
	  >$(INVENTORY).tmp 2>$(HOSTS_DIR)/ec2-run.log || { cat $(HOSTS_DIR)/ec2-run.log >&2; rm -f $(INVENTORY).tmp; exit 1; }
	$(Q)if cmp -s $(INVENTORY).tmp $(INVENTORY); then rm -f $(INVENTORY).tmp; else mv $(INVENTORY).tmp $(INVENTORY); fi
	$(Q)mkdir -p $(AWS_STATE) && chmod 700 $(AWS_STATE)
	$(Q)$(BIN)/cs-sshconfig -i $(INVENTORY) -s $(AWS_STATE) -u '$(SSH_USER)' -k '$(KEY)' -j $(if $(BASTION_ADDR),-b '$(BASTION_ADDR)') \
	  >$(SSH_CONFIG).tmp && mv $(SSH_CONFIG).tmp $(SSH_CONFIG)
ifeq ($(SSH_WAIT),1)
	$(Q)end=$$(( $$(date +%s) + $(SSH_WAIT_SECS) )); \
	for h in $(NAMES); do delay=1; \
	  until ssh -F $(SSH_CONFIG) -o ConnectTimeout=5 $$h true </dev/null 2>/dev/null; do \
	    [ $$(date +%s) -lt $$end ] || { echo "[$$h] provision failed: no ssh answer after $(SSH_WAIT_SECS) s" >&2; exit 1; }; \
	    sleep $$delay; [ $$delay -ge 15 ] || delay=$$((delay * 2)); \
	  done; \
	done; echo "[provision] all $(HOSTS) hosts answer ssh"
endif

# Stop the ControlMaster connections, give every instance back (the cost
# goes to the results, which destroy keeps), then the network.
provider-destroy:
	$(Q)if [ -r $(SSH_CONFIG) ]; then for h in bastion $(NAMES); do ssh -F $(SSH_CONFIG) -O exit $$h >/dev/null 2>&1 </dev/null; done; fi; true
	$(Q)mkdir -p $(RESULTS)
	@echo "[destroy] aws $(if $(RUN_ID),run $(RUN_ID),every cellstress run (no run id recorded))"
	$(Q)$(BIN)/ec2-kill $(AWS_FLAGS) $(AWS_SELECT) -p $(PRICES) >$(RESULTS)/cost.txt.tmp && mv $(RESULTS)/cost.txt.tmp $(RESULTS)/cost.txt
	$(Q)sed -n 's/^/[destroy] /p' $(RESULTS)/cost.txt
	$(Q)$(BIN)/vpc-delete $(AWS_FLAGS) $(AWS_SELECT) >$(RESULTS)/vpc-delete.txt.tmp && mv $(RESULTS)/vpc-delete.txt.tmp $(RESULTS)/vpc-delete.txt
	$(Q)$(RESULTS_CMD) cost $(PRICES)
	$(Q)rm -rf $(AWS_STATE)
endif
