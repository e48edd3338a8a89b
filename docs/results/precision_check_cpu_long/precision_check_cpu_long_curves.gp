set terminal pngcairo noenhanced size 1100,600 font 'Sans,11'
set output "precision_check_cpu_long_curves.png"
set label 1000 "bfloat16 check, cpu_long: the same points trained in float32 (WRN-10-2, all of Fashion-MNIST, 8 epochs, seed 1)\ntest top-1 accuracy after each epoch" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "precision_check_cpu_long_curves.dat"
plot data index 0 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block2", \
  data index 1 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "bn", \
  data index 2 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.07-random", \
  data index 3 using 1:2 with linespoints linecolor rgb '#CC79A7' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "k1-zero"
unset output
set terminal svg noenhanced dynamic background '#ffffff' size 1100,600 font 'Sans,11'
set output "precision_check_cpu_long_curves.svg"
set label 1000 "bfloat16 check, cpu_long: the same points trained in float32 (WRN-10-2, all of Fashion-MNIST, 8 epochs, seed 1)\ntest top-1 accuracy after each epoch" at screen 0.5, screen 0.975 center front
set tmargin 4
set ylabel 'test top-1 accuracy (%)'
set grid
set key outside right top vertical Left reverse spacing 1.3
set border 3
set tics nomirror
set xlabel 'epoch'
set xtics 1
set ylabel 'top-1 accuracy (%)'
data = "precision_check_cpu_long_curves.dat"
plot data index 0 using 1:2 with linespoints linecolor rgb '#0072B2' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "block2", \
  data index 1 using 1:2 with linespoints linecolor rgb '#D55E00' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "bn", \
  data index 2 using 1:2 with linespoints linecolor rgb '#009E73' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "0.07-random", \
  data index 3 using 1:2 with linespoints linecolor rgb '#CC79A7' pointtype 7 dashtype 1 linewidth 2 pointsize 1.3 title "k1-zero"
unset output
