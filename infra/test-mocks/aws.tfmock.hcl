# Values of the AWS data sources that the modules' plan-only tests (modules/*/tests/) build on.
# Every test file mocks the provider with `source` pointing here, so the fake account, region and
# zones are the same in every module's tests.

mock_data "aws_caller_identity" {
  defaults = {
    account_id = "123456789012"
    arn        = "arn:aws:iam::123456789012:root"
  }
}

mock_data "aws_partition" {
  defaults = {
    partition = "aws"
  }
}

mock_data "aws_region" {
  defaults = {
    name = "eu-west-1"
  }
}

# The subnets take the first availability_zone_count of these, in this order.
mock_data "aws_availability_zones" {
  defaults = {
    names = ["eu-west-1a", "eu-west-1b", "eu-west-1c", "eu-west-1d"]
  }
}

# The account of the regional ELB log delivery, named in the access log bucket policy.
mock_data "aws_elb_service_account" {
  defaults = {
    arn = "arn:aws:iam::156460612806:root"
  }
}

# Policy documents feed role, key and bucket policy arguments that the provider validates as
# JSON; an empty statement list is valid JSON for all of them.
mock_data "aws_iam_policy_document" {
  defaults = {
    json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
}
