# Plan-only checks of the values a rolling deployment and a hardened task depend on, and of
# inputs the variable validations must refuse. The AWS provider is mocked, so no account or
# credentials are needed; `terraform init` still downloads the provider for its schema.

# The AWS data sources answer with the shared values of infra/test-mocks (the path is relative
# to the module).
mock_provider "aws" {
  source = "../../test-mocks"
}

variables {
  name = "hello-test"
  image = join("", [
    "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-birthday@sha256:",
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
  ])
  ecr_repository_arn               = "arn:aws:ecr:eu-west-1:123456789012:repository/hello-birthday"
  drain_seconds                    = 10
  shutdown_timeout_seconds         = 15
  stop_timeout_seconds             = 30
  availability_zone_count          = 3
  min_tasks_per_zone               = 2
  max_capacity                     = 12
  vpc_id                           = "vpc-0123456789abcdef0"
  vpc_cidr                         = "10.0.0.0/16"
  private_subnet_ids               = ["subnet-0a", "subnet-0b", "subnet-0c"]
  gateway_endpoint_prefix_list_ids = ["pl-0a", "pl-0b"]
  load_balancer_security_group_id  = "sg-0123abcd"
  target_group_arn = join("", [
    "arn:aws:elasticloadbalancing:eu-west-1:123456789012:",
    "targetgroup/hello-test-tg/0123456789abcdef",
  ])
  request_count_resource_label = join("", [
    "app/hello-test/0123456789abcdef/",
    "targetgroup/hello-test-tg/0123456789abcdef",
  ])
  table_name = "hello-test-users"
  table_arn  = "arn:aws:dynamodb:eu-west-1:123456789012:table/hello-test-users"
}

run "rolling_deployment_never_drops_below_the_running_count" {
  command = plan

  assert {
    condition     = aws_ecs_service.this.deployment_minimum_healthy_percent == 100
    error_message = "minimum healthy must be 100%: no task stops before its replacement is healthy."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_maximum_percent == 200
    error_message = "maximum percent must be 200%: a full set of new tasks starts beside the old."
  }

  assert {
    condition = (
      aws_ecs_service.this.deployment_circuit_breaker[0].enable
      && aws_ecs_service.this.deployment_circuit_breaker[0].rollback
    )
    error_message = "the deployment circuit breaker must be on and roll back a failed deployment."
  }

  assert {
    condition     = aws_ecs_service.this.deployment_controller[0].type == "ECS"
    error_message = "deployments must use the ECS rolling controller."
  }

  assert {
    condition     = aws_ecs_service.this.desired_count == 6
    error_message = "desired_count must be availability_zone_count * min_tasks_per_zone (3 * 2)."
  }

  assert {
    condition     = aws_appautoscaling_target.this.min_capacity == 6
    error_message = "auto scaling must not go below availability_zone_count * min_tasks_per_zone."
  }
}

run "tasks_get_no_public_ip" {
  command = plan

  assert {
    condition     = aws_ecs_service.this.network_configuration[0].assign_public_ip == false
    error_message = "tasks must not get a public IP."
  }

  assert {
    condition = (
      toset(aws_ecs_service.this.network_configuration[0].subnets)
      == toset(var.private_subnet_ids)
    )
    error_message = "tasks must run in exactly the private subnets passed in."
  }
}

run "container_is_hardened_and_drains" {
  command = plan

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].readonlyRootFilesystem
    )
    error_message = "the container's root filesystem must be read-only."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].user == "10001"
    )
    error_message = "the container must run as the image's non-root user 10001."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0]
      .linuxParameters.capabilities.drop == ["ALL"]
    )
    error_message = "the container must drop every Linux capability."
  }

  assert {
    condition = one([
      for env in jsondecode(aws_ecs_task_definition.this.container_definitions)[0].environment :
      env.value if env.name == "HELLO_DRAIN_SECONDS"
    ]) == "10"
    error_message = "HELLO_DRAIN_SECONDS must be drain_seconds."
  }

  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.this.container_definitions)[0].stopTimeout == 30
    )
    error_message = "the container's stopTimeout must be stop_timeout_seconds."
  }
}

run "rejects_a_stop_timeout_not_above_drain_and_shutdown" {
  command = plan

  variables {
    stop_timeout_seconds = 25 # drain 10 + shutdown 15: SIGKILL could cut in-flight requests
  }

  expect_failures = [var.stop_timeout_seconds]
}

run "rejects_an_image_by_tag" {
  command = plan

  variables {
    image = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-birthday:latest"
  }

  expect_failures = [var.image]
}

run "rejects_a_single_subnet" {
  command = plan

  variables {
    private_subnet_ids = ["subnet-0a"]
  }

  expect_failures = [var.private_subnet_ids]
}
