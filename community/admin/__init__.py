"""The organisers' panel: thin views over the features' services, organisers only."""
