# Plan-only checks of where the tasks' subnets sit and how they route: private subnets in the
# first zones, no public IPs, no internet route unless NAT is asked for; plus an input the
# variable validations must refuse. The AWS provider is mocked: no account or credentials are
# needed, but `terraform init` still downloads the provider for its schema.

# The AWS data sources answer with the shared values of infra/test-mocks (the path is relative
# to the module).
mock_provider "aws" {
  source = "../../test-mocks"
}

variables {
  name = "hello-test"
}

run "private_subnets_have_no_public_ip_and_no_default_route" {
  command = plan

  assert {
    condition = (
      [for s in aws_subnet.private : s.availability_zone]
      == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    )
    error_message = "one private subnet per zone, in the first three zones."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.private : s.map_public_ip_on_launch == false])
    error_message = "private subnets must not give public IPs."
  }

  assert {
    condition     = alltrue([for s in aws_subnet.public : s.map_public_ip_on_launch == false])
    error_message = "public subnets must not give public IPs either (only the load balancer)."
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 0 && length(aws_route.private_nat) == 0
    error_message = "without enable_nat_gateway the private subnets must have no default route."
  }

  assert {
    condition     = aws_flow_log.this.traffic_type == "ALL"
    error_message = "flow logs must record all traffic by default."
  }
}

run "one_nat_gateway_per_zone_when_enabled" {
  command = plan

  variables {
    enable_nat_gateway = true
  }

  assert {
    condition     = length(aws_nat_gateway.this) == 3 && length(aws_route.private_nat) == 3
    error_message = "enable_nat_gateway must give each zone its own NAT gateway and route."
  }
}

run "rejects_a_single_zone" {
  command = plan

  variables {
    availability_zone_count = 1
  }

  expect_failures = [var.availability_zone_count]
}
