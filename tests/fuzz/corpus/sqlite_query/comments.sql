;;; -- nothing
