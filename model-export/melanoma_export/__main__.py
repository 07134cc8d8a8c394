from melanoma_export.cli import main

raise SystemExit(main())
