"""nbgrader's settings for the book's assignments. Run nbgrader from this folder:

    cd assignments && nbgrader generate_assignment a03_backprop

(`make assignments` generates them all). The instructor guide in the book explains the rest.
"""
c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "dlbook"

# The student versions go to student/ (nbgrader's default name is release/).
c.CourseDirectory.release_directory = "student"

# Each cell of a submission may run this many seconds. A cell that runs longer (an
# infinite loop, say) is interrupted and the test cells it breaks score zero; grading
# goes on with the next cell. The solutions need under 5 s per cell on a 2-core laptop.
c.ExecutePreprocessor.timeout = 60
