"""Life-event bundles as the applicant lives them: one item of a submitted bundle can be
withdrawn while the others keep running."""
