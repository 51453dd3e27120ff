# aws-left.py: ids of everything any cellstress run left in the test's moto
# (endpoint, CA and credentials from the environment, as for the aws CLI),
# space-separated on one line; nothing printed = nothing left. One process
# instead of eight aws CLI runs keeps the tests fast.
import boto3

tag = [{"Name": "tag-key", "Values": ["cellstress:run"]}]
ec2 = boto3.client("ec2")
ids = []
for r in ec2.describe_instances(Filters=tag + [{"Name": "instance-state-name", "Values": [
        "pending", "running", "stopping", "stopped", "shutting-down"]}])["Reservations"]:
    ids += [i["InstanceId"] for i in r["Instances"]]
ids += [v["VpcId"] for v in ec2.describe_vpcs(Filters=tag)["Vpcs"]]
ids += [s["SubnetId"] for s in ec2.describe_subnets(Filters=tag)["Subnets"]]
ids += [g["GroupId"] for g in ec2.describe_security_groups(Filters=tag)["SecurityGroups"]]
ids += [t["RouteTableId"] for t in ec2.describe_route_tables(Filters=tag)["RouteTables"]]
ids += [g["InternetGatewayId"] for g in ec2.describe_internet_gateways(Filters=tag)["InternetGateways"]]
ids += [k["KeyName"] for k in ec2.describe_key_pairs(Filters=tag)["KeyPairs"]]
ids += [v["VpcId"] for v in ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.0.0.0/16"]}])["Vpcs"]]
print(" ".join(ids))
