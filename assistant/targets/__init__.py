"""The targets product (chỉ tiêu): rows extracted from the index, answers, table, quizzes."""
