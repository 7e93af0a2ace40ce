################################################################################
# Naming and tags
################################################################################

variable "name" {
  description = "Name prefix of every network resource, for example \"hello-birthday-prod\"."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{2,31}$", var.name))
    error_message = <<-EOT
      name must be 3-32 characters of lowercase letters, digits and hyphens, starting with a letter.
    EOT
  }
}

variable "tags" {
  description = "Tags added to every resource, on top of the provider's default_tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

################################################################################
# VPC and subnets
################################################################################

variable "cidr" {
  description = <<-EOT
    IPv4 CIDR of the VPC. Each private subnet takes 1/16 of it (a /20 of a /16), each public subnet
    1/256 (a /24 of a /16).
  EOT
  type        = string
  default     = "10.0.0.0/16"
  nullable    = false

  validation {
    condition = (
      can(cidrhost(var.cidr, 0))
      && try(
        tonumber(split("/", var.cidr)[1]) >= 16 && tonumber(split("/", var.cidr)[1]) <= 18,
        false
      )
    )
    error_message = <<-EOT
      cidr must be a valid IPv4 CIDR with a prefix length from /16 to /18 (room for three private
      and three public subnets).
    EOT
  }
}

variable "availability_zone_count" {
  description = <<-EOT
    Number of availability zones to spread the subnets over (the first N zones of the region that
    need no opt-in).
  EOT
  type        = number
  default     = 3
  nullable    = false

  validation {
    condition = (
      var.availability_zone_count >= 2
      && var.availability_zone_count <= 4
      && floor(var.availability_zone_count) == var.availability_zone_count
    )
    error_message = <<-EOT
      availability_zone_count must be a whole number from 2 to 4; use 3 for production.
    EOT
  }
}

################################################################################
# Egress: NAT gateways and VPC endpoints
################################################################################

variable "enable_nat_gateway" {
  description = <<-EOT
    Create NAT gateways so private subnets reach the internet. Not needed by the service: the VPC
    endpoints cover ECR, logs, Secrets Manager, S3 and DynamoDB.
  EOT
  type        = bool
  default     = false
  nullable    = false
}

variable "single_nat_gateway" {
  description = <<-EOT
    With enable_nat_gateway, create one NAT gateway for all zones (cheaper) instead of one per zone
    (survives a zone failure).
  EOT
  type        = bool
  default     = false
  nullable    = false
}

variable "interface_endpoints" {
  description = <<-EOT
    AWS services reached through interface VPC endpoints from the private subnets (short service
    names).
  EOT
  type        = set(string)
  default     = ["ecr.api", "ecr.dkr", "logs", "secretsmanager"]
  nullable    = false

  validation {
    condition = length(setsubtract(var.interface_endpoints, [
      "ecr.api", "ecr.dkr", "logs", "secretsmanager", "sts", "kms", "monitoring", "ssm",
    ])) == 0
    error_message = <<-EOT
      interface_endpoints may contain only: ecr.api, ecr.dkr, logs, secretsmanager, sts, kms,
      monitoring, ssm.
    EOT
  }
}

variable "s3_endpoint_policy_json" {
  description = <<-EOT
    IAM policy document (JSON) for the S3 gateway endpoint; null keeps the AWS default policy.
  EOT
  type        = string
  default     = null
}

variable "dynamodb_endpoint_policy_json" {
  description = <<-EOT
    IAM policy document (JSON) for the DynamoDB gateway endpoint; null keeps the AWS default policy.
  EOT
  type        = string
  default     = null
}

################################################################################
# Flow logs
################################################################################

variable "flow_log_traffic_type" {
  description = "Traffic recorded by the VPC flow logs."
  type        = string
  default     = "ALL"
  nullable    = false

  validation {
    condition     = contains(["ACCEPT", "REJECT", "ALL"], var.flow_log_traffic_type)
    error_message = "flow_log_traffic_type must be one of ACCEPT, REJECT, ALL."
  }
}

variable "flow_log_retention_days" {
  description = "Days the flow log objects are kept in their S3 bucket before they expire."
  type        = number
  default     = 90
  nullable    = false

  validation {
    condition     = var.flow_log_retention_days >= 7 && var.flow_log_retention_days <= 3653
    error_message = "flow_log_retention_days must be from 7 to 3653."
  }
}

variable "log_bucket_force_destroy" {
  description = <<-EOT
    Allow Terraform to delete the flow log bucket while it still holds objects (true only for
    throw-away environments).
  EOT
  type        = bool
  default     = false
  nullable    = false
}
