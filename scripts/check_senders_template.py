"""Renders examples/organization-senders.yaml as CloudFormation would for a few parameter sets
and checks what a linter cannot: the account policy's document is valid JSON with the fields
CloudWatch Logs reads, its DestinationArn is the template's destination ARN for the stack's
own Region, the sender role comes and goes with UseSenderRole, a filter pattern with quotes
survives, and the central account gets nothing; and that the fan-out stack hands the senders
the parameters they take.

Run by scripts/check-templates.sh with the tools' Python (it needs cfn-lint's YAML decoder).
Exit status: 0 when every check passes, 1 otherwise.
"""

import json
import re
import sys

from cfnlint.decode import decode

TEMPLATE = "examples/organization-senders.yaml"
FANOUT = "examples/organization-fanout.yaml"
CENTRAL = "999999999999"
SENDER = "111111111111"
ROLE_ARN = "arn:aws:iam::111111111111:role/senders-SenderRole-EXAMPLE"


class Stack:
    """One stack instance: the template's parameters with their defaults, overridden."""

    def __init__(self, template, account, region, **overrides):
        self.template = template
        self.params = {
            name: str(spec.get("Default", ""))
            for name, spec in template["Parameters"].items()
        }
        self.params.update(overrides)
        partition = next(
            (p for prefix, p in (("cn-", "aws-cn"), ("us-gov-", "aws-us-gov")) if region.startswith(prefix)),
            "aws",
        )
        self.params.update(
            {
                "AWS::AccountId": account,
                "AWS::Region": region,
                "AWS::Partition": partition,
            }
        )
        self.conditions = {}

    def condition(self, name):
        if name not in self.conditions:
            self.conditions[name] = self.truth(self.template["Conditions"][name])
        return self.conditions[name]

    def truth(self, node):
        (fn, arg), = node.items()
        if fn == "Fn::Not":
            return not self.truth(arg[0])
        if fn == "Fn::And":
            return all(self.truth(a) for a in arg)
        if fn == "Fn::Or":
            return any(self.truth(a) for a in arg)
        if fn == "Fn::Equals":
            return self.value(arg[0]) == self.value(arg[1])
        if fn == "Condition":
            return self.condition(arg)
        raise ValueError(f"condition function {fn} is not handled")

    def sub(self, text, local):
        def one(match):
            name = match.group(1)
            if name in local:
                return local[name]
            if name == "SenderRole.Arn":
                return ROLE_ARN
            return self.params[name]

        return re.sub(r"\$\{([^}!]+)\}", one, text)

    def value(self, node):
        if isinstance(node, str):
            return node
        (fn, arg), = node.items()
        if fn == "Ref":
            return self.params[arg]
        if fn == "Fn::If":
            return self.value(arg[1] if self.condition(arg[0]) else arg[2])
        if fn == "Fn::Sub":
            if isinstance(arg, str):
                return self.sub(arg, {})
            local = {k: self.value(v) for k, v in arg[1].items()}
            return self.sub(arg[0], local)
        raise ValueError(f"function {fn} is not handled")

    def resources(self):
        return {
            name: spec
            for name, spec in self.template["Resources"].items()
            if "Condition" not in spec or self.condition(spec["Condition"])
        }

    def policy_document(self):
        policy = self.resources()["SubscriptionPolicy"]["Properties"]["PolicyDocument"]
        return json.loads(self.value(policy))

    def destination_arn_output(self):
        return self.value(self.template["Outputs"]["DestinationArn"]["Value"])


def main():
    template, matches = decode(TEMPLATE)
    if template is None:
        sys.exit(f"cannot parse {TEMPLATE}: {matches}")
    failures = []
    checked = []

    def check(what, ok):
        print(("ok   " if ok else "FAIL ") + what)
        checked.append(what)
        if not ok:
            failures.append(what)

    escaped = r"{ $.level = \"ERROR\" }"
    sender = Stack(
        template,
        SENDER,
        "eu-west-1",
        CentralAccountId=CENTRAL,
        FilterPattern=escaped,
        SelectionCriteria='LogGroupName NOT IN ["/aws/lambda/noisy"]',
    )
    document = sender.policy_document()
    arn = f"arn:aws:logs:eu-west-1:{CENTRAL}:destination:org-central-logs"
    check("a sender's policy names the destination in its own Region",
          document.get("DestinationArn") == arn)
    check("the DestinationArn output is the same ARN", sender.destination_arn_output() == arn)
    check("with UseSenderRole, the policy names the sender role",
          document.get("RoleArn") == ROLE_ARN and "SenderRole" in sender.resources())
    check("a filter pattern with escaped quotes reaches CloudWatch Logs unescaped",
          document.get("FilterPattern") == '{ $.level = "ERROR" }')
    check("Distribution defaults to Random", document.get("Distribution") == "Random")
    check("the selection criteria are passed on",
          sender.value(sender.resources()["SubscriptionPolicy"]["Properties"]["SelectionCriteria"])
          == 'LogGroupName NOT IN ["/aws/lambda/noisy"]')

    pattern = re.compile(template["Parameters"]["FilterPattern"]["AllowedPattern"])
    check("FilterPattern refuses an unescaped quote, which would break the JSON",
          pattern.fullmatch('{ $.level = "ERROR" }') is None and pattern.fullmatch(escaped))

    no_role = Stack(template, SENDER, "cn-north-1", CentralAccountId=CENTRAL, UseSenderRole="false")
    document = no_role.policy_document()
    check("without UseSenderRole, no role and no RoleArn",
          "RoleArn" not in document and "SenderRole" not in no_role.resources())
    check("the partition comes from the Region",
          document.get("DestinationArn")
          == f"arn:aws-cn:logs:cn-north-1:{CENTRAL}:destination:org-central-logs")
    check("an empty filter pattern sends every event", document.get("FilterPattern") == "")

    central = Stack(template, CENTRAL, "eu-west-1", CentralAccountId=CENTRAL)
    check("the central account gets only the placeholder, no policy and no role",
          list(central.resources()) == ["NothingInTheCentralAccount"])

    fanout, matches = decode(FANOUT)
    if fanout is None:
        sys.exit(f"cannot parse {FANOUT}: {matches}")
    handed = fanout["Outputs"]["SenderParameters"]["Value"]["Fn::Sub"]
    keys = re.findall(r"ParameterKey=([^,]+),ParameterValue=", handed)
    required = [n for n, spec in template["Parameters"].items() if "Default" not in spec]
    check("the fan-out stack's SenderParameters are the senders' parameters, the required ones included",
          set(keys) <= set(template["Parameters"]) and set(required) <= set(keys))
    check("both templates accept the same destination names",
          fanout["Parameters"]["DestinationName"]["AllowedPattern"]
          == template["Parameters"]["DestinationName"]["AllowedPattern"])

    print(f"{TEMPLATE}: {len(checked) - len(failures)} of {len(checked)} checks passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
