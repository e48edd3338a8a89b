set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "learning_curve_cpu_long_curves.png"
set label 1000 "Epochs for the cpu_long protocol: WRN-10-2 learning everything (all 60,000 Fashion-MNIST images)\ntop-1 accuracy after each epoch: test (solid), validation (dashed)" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "learning_curve_cpu_long_curves.dat"
plot data index 0 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "16, test", \
  data index 1 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 6 dashtype 2 linewidth 2 pointsize 1.3 title "16, validation", \
  data index 2 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "8, test", \
  data index 3 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 6 dashtype 2 linewidth 2 pointsize 1.3 title "8, validation", \
  data index 4 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "4, test", \
  data index 5 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 6 dashtype 2 linewidth 2 pointsize 1.3 title "4, validation"
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "learning_curve_cpu_long_curves.svg"
set label 1000 "Epochs for the cpu_long protocol: WRN-10-2 learning everything (all 60,000 Fashion-MNIST images)\ntop-1 accuracy after each epoch: test (solid), validation (dashed)" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "learning_curve_cpu_long_curves.dat"
plot data index 0 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "16, test", \
  data index 1 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 6 dashtype 2 linewidth 2 pointsize 1.3 title "16, validation", \
  data index 2 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "8, test", \
  data index 3 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 6 dashtype 2 linewidth 2 pointsize 1.3 title "8, validation", \
  data index 4 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "4, test", \
  data index 5 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 6 dashtype 2 linewidth 2 pointsize 1.3 title "4, validation"
unset output
