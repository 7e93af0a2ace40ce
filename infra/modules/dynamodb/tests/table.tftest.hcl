# Plan-only checks of the users table: point-in-time recovery, encryption with the module's key,
# on-demand billing, and deletion protection as the caller asks; plus an input the variable
# validations must refuse. The AWS provider is mocked: no account or credentials are needed, but
# `terraform init` still downloads the provider for its schema.

# The AWS data sources answer with the shared values of infra/test-mocks (the path is relative
# to the module).
mock_provider "aws" {
  source = "../../test-mocks"
}

variables {
  table_name    = "hello-test-users"
  key_user_arns = ["arn:aws:iam::123456789012:role/hello-test-task-0123"]
}

run "table_is_recoverable_encrypted_and_protected_by_default" {
  command = plan

  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "point-in-time recovery must be on."
  }

  assert {
    condition     = aws_dynamodb_table.this.server_side_encryption[0].enabled
    error_message = "the table must be encrypted with the module's KMS key."
  }

  assert {
    condition     = aws_dynamodb_table.this.billing_mode == "PAY_PER_REQUEST"
    error_message = "the table must be on-demand."
  }

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled
    error_message = "deletion protection must be on unless the caller turns it off."
  }

  assert {
    condition     = aws_kms_key.this.enable_key_rotation
    error_message = "the table's KMS key must rotate."
  }
}

run "deletion_protection_follows_the_input" {
  command = plan

  variables {
    deletion_protection = false
  }

  assert {
    condition     = aws_dynamodb_table.this.deletion_protection_enabled == false
    error_message = "deletion_protection = false must reach the table."
  }

  assert {
    condition     = aws_dynamodb_table.this.point_in_time_recovery[0].enabled
    error_message = "point-in-time recovery must stay on without deletion protection."
  }
}

run "rejects_a_short_key_deletion_window" {
  command = plan

  variables {
    key_deletion_window_days = 3
  }

  expect_failures = [var.key_deletion_window_days]
}
