################################################################################
# Lookups, names and the container definition the other files share
################################################################################

data "aws_caller_identity" "current" {}
data "aws_region" "current" {}

locals {
  account_id     = data.aws_caller_identity.current.account_id
  region         = data.aws_region.current.name
  container_name = "app"
  min_capacity   = var.availability_zone_count * var.min_tasks_per_zone

  # The one container of the task. Kept as a plain object (not built inline in jsonencode) so
  # the policy tests can read every field of it from the parsed configuration.
  container = {
    name      = local.container_name
    image     = var.image
    essential = true

    # The image's fixed non-root UID and a read-only root filesystem. Fargate accepts no
    # dockerSecurityOptions, so the no-new-privileges flag cannot be set; every capability is
    # dropped instead, so even a setuid program in the image gains none.
    user                   = "10001"
    readonlyRootFilesystem = true
    linuxParameters = {
      initProcessEnabled = true
      capabilities = {
        add  = []
        drop = ["ALL"]
      }
    }

    portMappings = [{
      name          = "http"
      containerPort = var.container_port
      hostPort      = var.container_port
      protocol      = "tcp"
    }]

    environment = [
      {
        name  = "HELLO_DATABASE_URL"
        value = "dynamodb://${var.table_name}?region=${local.region}"
      },
      { name = "HELLO_LISTEN", value = "0.0.0.0:${var.container_port}" },
      { name = "HELLO_DRAIN_SECONDS", value = tostring(var.drain_seconds) },
      { name = "HELLO_SHUTDOWN_TIMEOUT_SECONDS", value = tostring(var.shutdown_timeout_seconds) },
      { name = "HELLO_LOG_FORMAT", value = "json" },
      { name = "HELLO_LOG_LEVEL", value = var.log_level },
      { name = "HELLO_TIMEZONE", value = var.time_zone },
    ]
    secrets = [for name, arn in var.secrets : { name = name, valueFrom = arn }]

    # Liveness probe by the binary itself (the image has no shell or curl).
    healthCheck = {
      command     = ["CMD", "/usr/local/bin/hello-birthday", "healthcheck"]
      interval    = 10
      timeout     = 5
      retries     = 3
      startPeriod = 10
    }

    # SIGTERM -> drain (readiness 503) -> shutdown timeout -> exit 0; SIGKILL only after this.
    stopTimeout = var.stop_timeout_seconds

    ulimits = [{ name = "nofile", softLimit = 65536, hardLimit = 65536 }]

    logConfiguration = {
      logDriver = "awslogs"
      options = {
        "awslogs-group"         = aws_cloudwatch_log_group.this.name
        "awslogs-region"        = local.region
        "awslogs-stream-prefix" = local.container_name
        "mode"                  = "non-blocking"
        "max-buffer-size"       = "4m"
      }
    }

    mountPoints = []
    volumesFrom = []
  }
}
