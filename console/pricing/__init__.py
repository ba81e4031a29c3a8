"""The pricing page: a calculator over GetClusterPrice and one over GetClusterPaymentOfPremium."""
