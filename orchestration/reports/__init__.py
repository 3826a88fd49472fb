"""Reports for finance and analysts: the monthly FOCUS chargeback export and its HTML report."""
